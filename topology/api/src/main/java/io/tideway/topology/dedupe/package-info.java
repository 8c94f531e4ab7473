/** Deduplication of events by id: {@link io.tideway.topology.dedupe.Deduplicate}. */
package io.tideway.topology.dedupe;
