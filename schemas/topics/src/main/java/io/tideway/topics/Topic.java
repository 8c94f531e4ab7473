package io.tideway.topics;

import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serde;

/**
 * A topic of the catalogue: its name, how it is created (partitions, topic settings) and the types
 * of its keys and values. Declared once, in {@link Topics}, and used by every module that reads,
 * writes or creates it, so no topic name is a string literal anywhere else.
 *
 * <p>The serdes a topic carries are unconfigured: a {@link TopologyContext} binds them to the
 * deployment's registry.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class Topic<K, V> {

  private final String name;
  private final int partitions;
  private final Map<String, String> settings;
  private final Supplier<Serde<K>> keySerde;
  private final Supplier<Serde<V>> valueSerde;
  private final Map<String, Object> serdeSettings;

  private Topic(
      String name,
      int partitions,
      Map<String, String> settings,
      Supplier<Serde<K>> keySerde,
      Supplier<Serde<V>> valueSerde,
      Map<String, Object> serdeSettings) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("A topic needs a name");
    }
    if (partitions < 1) {
      throw new IllegalArgumentException(
          "Topic " + name + " needs at least 1 partition, not " + partitions);
    }
    this.name = name;
    this.partitions = partitions;
    this.settings = Map.copyOf(settings);
    this.keySerde = Objects.requireNonNull(keySerde, "keySerde");
    this.valueSerde = Objects.requireNonNull(valueSerde, "valueSerde");
    this.serdeSettings = Map.copyOf(serdeSettings);
  }

  /**
   * Declares a topic.
   *
   * @param name the topic's name
   * @param partitions how many partitions it is created with
   * @param settings topic-level settings it is created with, e.g. {@code cleanup.policy=compact}
   * @param keySerde makes a new, unconfigured serde of its keys
   * @param valueSerde makes a new, unconfigured serde of its values
   */
  public static <K, V> Topic<K, V> of(
      String name,
      int partitions,
      Map<String, String> settings,
      Supplier<Serde<K>> keySerde,
      Supplier<Serde<V>> valueSerde) {
    return new Topic<>(name, partitions, settings, keySerde, valueSerde, Map.of());
  }

  /**
   * This topic with serde settings that override the deployment's for this topic alone, e.g. {@code
   * specific.avro.reader=true}.
   */
  public Topic<K, V> withSerdeSettings(Map<String, ?> serdeSettings) {
    return new Topic<>(name, partitions, settings, keySerde, valueSerde, Map.copyOf(serdeSettings));
  }

  /** The topic's name. */
  public String name() {
    return name;
  }

  /** How many partitions the topic is created with. */
  public int partitions() {
    return partitions;
  }

  /** Topic-level settings the topic is created with. */
  public Map<String, String> settings() {
    return settings;
  }

  /** Serde settings that override the deployment's for this topic. */
  public Map<String, Object> serdeSettings() {
    return serdeSettings;
  }

  /** A new, unconfigured serde of the topic's keys. */
  public Serde<K> newKeySerde() {
    return keySerde.get();
  }

  /** A new, unconfigured serde of the topic's values. */
  public Serde<V> newValueSerde() {
    return valueSerde.get();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Topic && ((Topic<?, ?>) other).name.equals(name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return name;
  }
}
