-- Credit reserved for orders by the place-order saga, one row per order. RELEASED rows stay, so a
-- reservation that arrives after its release (a late command) is refused, not made.
CREATE TABLE credit_reservations (
  order_id    uuid PRIMARY KEY,
  customer_id uuid          NOT NULL REFERENCES customers (id),
  amount      numeric(19,2) NOT NULL CHECK (amount >= 0),
  status      varchar(16)   NOT NULL,
  reason      varchar(300),
  updated_at  timestamptz   NOT NULL DEFAULT now()
);
CREATE INDEX credit_reservations_held ON credit_reservations (customer_id) WHERE status = 'RESERVED';

-- Ids of the records applied, written in the same transaction as their effect.
CREATE TABLE processed_events (
  event_id     uuid PRIMARY KEY,
  processed_at timestamptz NOT NULL DEFAULT now()
);
