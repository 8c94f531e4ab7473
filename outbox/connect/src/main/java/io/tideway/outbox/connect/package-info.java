/**
 * The Kafka Connect transformation that holds outbox change events to Tideway's contract, applied
 * before Debezium's EventRouter by the embedded relay and by a Kafka Connect worker alike.
 */
package io.tideway.outbox.connect;
