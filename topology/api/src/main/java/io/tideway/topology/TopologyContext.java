package io.tideway.topology;

import io.tideway.topics.Topic;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.VersionedBytesStoreSupplier;

/**
 * What a deployment gives a {@link TopologyProvider} to build with: the names its catalogue topics
 * have in this deployment, serdes bound to the deployment's schema registry, and its settings.
 */
public interface TopologyContext {

  /** The application id the topology runs under. */
  String applicationId();

  /**
   * The name a catalogue topic has in this deployment: its own, unless the setting {@code
   * tideway.topic.<name>} renames it (to run one topology against differently named topics).
   */
  String topicName(Topic<?, ?> topic);

  /** A serde of the topic's keys, configured for this deployment. */
  <K, V> Serde<K> keySerde(Topic<K, V> topic);

  /** A serde of the topic's values, configured for this deployment. */
  <K, V> Serde<V> valueSerde(Topic<K, V> topic);

  /** How to read a topic: its serdes, and a source named {@code <topic>-source}. */
  default <K, V> Consumed<K, V> consumed(Topic<K, V> topic) {
    return Consumed.with(keySerde(topic), valueSerde(topic)).withName(topicName(topic) + "-source");
  }

  /** How to write a topic: its serdes, and a sink named {@code <topic>-sink}. */
  default <K, V> Produced<K, V> produced(Topic<K, V> topic) {
    return Produced.with(keySerde(topic), valueSerde(topic)).withName(topicName(topic) + "-sink");
  }

  /**
   * A serde of one generated Avro class bound to the deployment's registry, for state stores and
   * repartition topics; subjects follow the deployment's strategy ({@code <topic>-value} unless
   * configured otherwise).
   */
  <T extends SpecificRecord> Serde<T> avroSerde(Class<T> type);

  /**
   * A persistent versioned store that keeps each key's earlier values for {@code historyRetention},
   * so a query can ask what it held at a past time ({@code asOf}). The runtime refuses an {@code
   * asOf} further back than the retention rather than answer from a history the store may have
   * dropped. Use it in {@code Materialized.as(...)}, or in {@code
   * Stores.versionedKeyValueStoreBuilder(...)} for a processor's store.
   */
  VersionedBytesStoreSupplier versionedStore(String name, Duration historyRetention);

  /**
   * A builder that refuses, when the topology is built, an internal topic whose name Kafka Streams
   * would generate ({@code ensure.explicit.internal.resource.naming}), and whose topologies the
   * runtime can observe: queries that wait for an event ({@code waitFor}) and end-to-end latency
   * need it, and so does {@link io.tideway.topology.dedupe.Deduplicate} to keep the branches that
   * took an event whole from taking it again when it comes back after failing in another.
   */
  StreamsBuilder streamsBuilder();

  /**
   * An object the runtime hands the topology under a setting, such as the {@code SagaObserver} that
   * turns saga activity into metrics; null when there is none, or it is not a {@code type}.
   */
  <T> T extension(String key, Class<T> type);

  /**
   * Whether writes outside the deployment take effect now: not while the runtime rebuilds it, see
   * {@link SideEffects}.
   */
  default SideEffects sideEffects() {
    SideEffects effects = extension(SideEffects.CONFIG, SideEffects.class);
    return effects == null ? SideEffects.LIVE : effects;
  }

  /** A deployment setting, or {@code defaultValue} when it is not set. */
  String setting(String key, String defaultValue);
}
