/**
 * {@code tideway loadtest relay}: the outbox relay measured against a bare Debezium engine on the
 * same database, and commit-to-Kafka latency at fixed commit rates through real transactions.
 */
package io.tideway.loadtest.relay;
