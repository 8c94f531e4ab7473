-- Customers registered with an Idempotency-Key: a client's retry finds the customer its first
-- request registered.
CREATE TABLE idempotent_requests (
  idempotency_key varchar(255) PRIMARY KEY,
  fingerprint     bytea        NOT NULL,
  resource_id     uuid         NOT NULL,
  created_at      timestamptz  NOT NULL DEFAULT now()
);
