CREATE TABLE customer (
  id           uuid PRIMARY KEY,
  name         varchar(200)  NOT NULL,
  email        varchar(320)  NOT NULL,
  credit_limit numeric(19,2) NOT NULL CHECK (credit_limit >= 0),
  street       varchar(200)  NOT NULL,
  city         varchar(100)  NOT NULL,
  postal_code  varchar(20)   NOT NULL,
  country      char(2)       NOT NULL,
  created_at   timestamptz   NOT NULL
);
