CREATE TABLE products (
  id         uuid PRIMARY KEY,
  sku        varchar(64)   NOT NULL UNIQUE,
  name       varchar(200)  NOT NULL,
  price      numeric(19,2) NOT NULL CHECK (price >= 0),
  stock      integer       NOT NULL CHECK (stock >= 0),
  version    bigint        NOT NULL,
  updated_at timestamptz   NOT NULL DEFAULT now()
);
