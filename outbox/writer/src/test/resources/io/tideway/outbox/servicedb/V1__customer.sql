CREATE TABLE customer (id uuid PRIMARY KEY, name varchar(200) NOT NULL);
