package io.tideway.topology.dedupe;

import org.apache.kafka.common.header.Headers;

/**
 * Takes a record's event id from its key, value or headers.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface EventIdExtractor<K, V> {

  /** The record's event id, or null when it has none. */
  String eventId(K key, V value, Headers headers);
}
