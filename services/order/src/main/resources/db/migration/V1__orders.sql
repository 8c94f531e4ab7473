-- What the service knows of other services' aggregates, learnt from their events.
CREATE TABLE known_customers (
  id          uuid PRIMARY KEY,
  version     bigint       NOT NULL,
  street      varchar(200) NOT NULL,
  city        varchar(100) NOT NULL,
  postal_code varchar(20)  NOT NULL,
  country     char(2)      NOT NULL,
  updated_at  timestamptz  NOT NULL DEFAULT now()
);

CREATE TABLE known_products (
  id         uuid PRIMARY KEY,
  name       varchar(200)  NOT NULL,
  price      numeric(19,2) NOT NULL,
  updated_at timestamptz   NOT NULL DEFAULT now()
);

CREATE TABLE orders (
  id               uuid PRIMARY KEY,
  customer_id      uuid          NOT NULL,
  status           varchar(16)   NOT NULL,
  total            numeric(19,2) NOT NULL,
  placed_at        timestamptz   NOT NULL,
  -- The shipping address and the customer version it was taken from; null while unknown.
  street           varchar(200),
  city             varchar(100),
  postal_code      varchar(20),
  country          char(2),
  address_version  bigint,
  version          bigint        NOT NULL
);
CREATE INDEX orders_by_customer ON orders (customer_id, placed_at);

CREATE TABLE order_lines (
  order_id   uuid          NOT NULL REFERENCES orders (id),
  line_no    integer       NOT NULL,
  product_id uuid          NOT NULL,
  quantity   integer       NOT NULL CHECK (quantity > 0),
  unit_price numeric(19,2) NOT NULL,
  PRIMARY KEY (order_id, line_no)
);

-- Ids of the events applied, written in the same transaction as their effect: a redelivered
-- event finds its id here and changes nothing.
CREATE TABLE processed_events (
  event_id     uuid PRIMARY KEY,
  processed_at timestamptz NOT NULL DEFAULT now()
);
