-- Stock reserved for orders by the place-order saga, one row per order; the units reserved are
-- taken from products.stock. RELEASED rows stay, so a reservation that arrives after its release
-- (a late command) is refused, not made.
CREATE TABLE stock_reservations (
  order_id      uuid        PRIMARY KEY,
  status        varchar(16) NOT NULL,
  -- For UNAVAILABLE: the first product found short, as the reply names it.
  short_product uuid,
  requested     integer,
  available     integer,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stock_reservation_lines (
  order_id   uuid    NOT NULL REFERENCES stock_reservations (order_id),
  product_id uuid    NOT NULL,
  quantity   integer NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (order_id, product_id)
);

-- Ids of the records applied, written in the same transaction as their effect.
CREATE TABLE processed_events (
  event_id     uuid PRIMARY KEY,
  processed_at timestamptz NOT NULL DEFAULT now()
);
