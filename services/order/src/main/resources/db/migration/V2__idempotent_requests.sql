-- Orders placed with an Idempotency-Key: a client's retry finds the order its first request placed.
CREATE TABLE idempotent_requests (
  idempotency_key varchar(255) PRIMARY KEY,
  fingerprint     bytea        NOT NULL,
  resource_id     uuid         NOT NULL,
  created_at      timestamptz  NOT NULL DEFAULT now()
);
