-- The transactional outbox: exactly Debezium's outbox table, so a stock Debezium deployment and
-- Tideway's relay read it alike. The payload is the event in the Confluent wire format (magic
-- byte 0, 4-byte schema id, Avro binary); tracingspancontext holds the W3C traceparent.
CREATE TABLE outbox (
    id                 uuid PRIMARY KEY,
    aggregatetype      varchar(255) NOT NULL,
    aggregateid        varchar(255) NOT NULL,
    type               varchar(255) NOT NULL,
    payload            bytea,
    created_at         timestamptz NOT NULL DEFAULT now(),
    tracingspancontext varchar(256)
);

-- What the relay reads from the WAL: this table only, inserts and updates.
-- Inserts are the events. The writer deletes each row in the same transaction that inserted it
-- (the table stays empty, the WAL keeps the insert); publishing those deletes would double the
-- relay's traffic for nothing, and Debezium's EventRouter ignores deletes anyway. Nothing updates
-- an outbox row, so an update is a bug: it is published for the relay to dead-letter, not hidden.
CREATE PUBLICATION tideway_outbox FOR TABLE outbox WITH (publish = 'insert, update');
