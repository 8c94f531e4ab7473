package io.tideway.topology.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideway.topology.AvroJson;
import java.time.Instant;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.VersionedKeyQuery;
import org.apache.kafka.streams.query.WindowKeyQuery;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * One key's lookup in whatever kind of store holds it: the latest value of a key-value or versioned
 * store, the windows of a window store that start between {@code from} and {@code to}, or a
 * versioned store's value as of a time.
 */
final class KeyLookup {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String key;
  private final Instant from;
  private final Instant to;
  private final Instant asOf;
  private final boolean latestVersion;

  private KeyLookup(String key, Instant from, Instant to, Instant asOf, boolean latestVersion) {
    this.key = key;
    this.from = from;
    this.to = to;
    this.asOf = asOf;
    this.latestVersion = latestVersion;
  }

  /** The latest value of a key. */
  static KeyLookup latest(String key) {
    return new KeyLookup(key, null, null, null, false);
  }

  /** The windows of a key that start in {@code [from, to]}. */
  static KeyLookup windows(String key, Instant from, Instant to) {
    return new KeyLookup(key, from, to, null, false);
  }

  /** A versioned store's value of a key as it was at {@code asOf}. */
  static KeyLookup asOf(String key, Instant asOf) {
    return new KeyLookup(key, null, null, asOf, false);
  }

  /**
   * The same lookup asked of a versioned store, when a key-value store refused it: a latest value
   * is a versioned store's latest version, answered in the same form as a key-value store's; null
   * for any other lookup, which a versioned store cannot answer differently.
   */
  KeyLookup onVersionedStore() {
    return asOf == null && from == null && !latestVersion
        ? new KeyLookup(key, null, null, null, true)
        : null;
  }

  String key() {
    return key;
  }

  /**
   * Whether the store answers it from beneath its cache, which holds the latest writes until its
   * task commits: Kafka Streams' window stores answer window queries so.
   */
  boolean readsBeneathTheCache() {
    return from != null;
  }

  /** The time a versioned store is asked about, or null. */
  Instant asOf() {
    return asOf;
  }

  /** The query string that asks another instance the same, starting with {@code &}. */
  String parameters() {
    if (asOf != null) {
      return "&asOf=" + asOf;
    }
    return from == null ? "" : "&from=" + from + "&to=" + to;
  }

  /** What to ask the store. */
  @SuppressWarnings("unchecked")
  Query<Object> query() {
    Query<?> query;
    if (asOf != null) {
      query = VersionedKeyQuery.<String, Object>withKey(key).asOf(asOf);
    } else if (latestVersion) {
      query = VersionedKeyQuery.<String, Object>withKey(key);
    } else if (from != null) {
      query = WindowKeyQuery.<String, Object>withKeyAndWindowStartRange(key, from, to);
    } else {
      query = KeyQuery.<String, Object>withKey(key);
    }
    return (Query<Object>) query;
  }

  /** What the store says it is for, when it refuses the query's kind. */
  String wrongKind(String store) {
    if (asOf != null) {
      return "Store " + store + " is not a versioned store: leave out asOf";
    }
    if (from != null) {
      return "Store " + store + " is not a window store: leave out from and to";
    }
    return "Store " + store + " is a window store: pass from and to";
  }

  /**
   * The answer as JSON, or null when the key is absent; an iterator is always closed. Values are
   * written when the answer is serialized, not built as trees.
   *
   * @param values renders one value
   */
  JsonNode render(Object result, AvroJson values) {
    if (result == null) {
      return null;
    }
    if (result instanceof VersionedRecord && latestVersion) {
      return values.streamed(((VersionedRecord<?>) result).value());
    }
    if (result instanceof VersionedRecord) {
      VersionedRecord<?> record = (VersionedRecord<?>) result;
      ObjectNode node = NODES.objectNode();
      node.set("value", values.streamed(record.value()));
      node.put("validFrom", Instant.ofEpochMilli(record.timestamp()).toString());
      node.put(
          "validTo", record.validTo().map(to -> Instant.ofEpochMilli(to).toString()).orElse(null));
      return node;
    }
    if (result instanceof WindowStoreIterator) {
      ArrayNode windows = NODES.arrayNode();
      try (WindowStoreIterator<?> iterator = (WindowStoreIterator<?>) result) {
        while (iterator.hasNext()) {
          KeyValue<Long, ?> window = iterator.next();
          ObjectNode node = windows.addObject();
          node.put("windowStart", Instant.ofEpochMilli(window.key).toString());
          node.set("value", values.streamed(window.value));
        }
      }
      return windows.isEmpty() ? null : windows;
    }
    return values.streamed(result);
  }
}
