/**
 * The outbox writer: appends an event, serialized in the Confluent wire format and checked against
 * its registered schema, to the {@code outbox} table in the caller's own transaction, so the change
 * and its event commit together or not at all.
 *
 * <ul>
 *   <li>{@link io.tideway.outbox.Outbox}: appends {@link io.tideway.outbox.OutboxEvent}s on a JDBC
 *       connection in the caller's transaction;
 *   <li>{@link io.tideway.outbox.TransactionalOutbox}: the same in the current Spring transaction
 *       (needs {@code spring-jdbc}; nothing else in this package does);
 *   <li>{@link io.tideway.outbox.OutboxMigration}: creates the table and the publication the relay
 *       reads.
 * </ul>
 */
package io.tideway.outbox;
