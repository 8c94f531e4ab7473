/**
 * Aggregates' histories, for an audit trail: {@link io.tideway.topology.history.AggregateHistory}.
 */
package io.tideway.topology.history;
