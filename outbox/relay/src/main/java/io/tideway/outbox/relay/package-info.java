/**
 * The outbox relay: the Debezium embedded engine streaming each service database's outbox table
 * into Kafka topics through the EventRouter, with offsets stored in Kafka and committed only after
 * the broker acknowledged the records they cover.
 */
package io.tideway.outbox.relay;
