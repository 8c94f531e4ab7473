package io.tideway.outbox.relay;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an {@link OutboxRelay} streams and where to: the source databases, the Kafka cluster, and
 * how the topics it creates are laid out. Immutable; the {@code with…} methods return a copy.
 */
public final class RelaySettings {

  /** The topic the relay stores Debezium's offsets in, when not told otherwise. */
  public static final String DEFAULT_OFFSETS_TOPIC = "tideway.relay.offsets";

  /** The dead-letter topic of the outbox, from the platform's contract. */
  public static final String DEFAULT_DEAD_LETTER_TOPIC = "outbox.dlq";

  private final String bootstrapServers;
  private final List<OutboxSource> sources;
  private final int partitions;
  private final short replicationFactor;
  private final String offsetsTopic;
  private final String deadLetterTopic;
  private final Duration offsetFlushInterval;
  private final Map<String, String> connectorOverrides;
  private final Map<String, Object> producerOverrides;

  private RelaySettings(
      String bootstrapServers,
      List<OutboxSource> sources,
      int partitions,
      short replicationFactor,
      String offsetsTopic,
      String deadLetterTopic,
      Duration offsetFlushInterval,
      Map<String, String> connectorOverrides,
      Map<String, Object> producerOverrides) {
    this.bootstrapServers = bootstrapServers;
    this.sources = List.copyOf(sources);
    this.partitions = partitions;
    this.replicationFactor = replicationFactor;
    this.offsetsTopic = offsetsTopic;
    this.deadLetterTopic = deadLetterTopic;
    this.offsetFlushInterval = offsetFlushInterval;
    this.connectorOverrides = Map.copyOf(connectorOverrides);
    this.producerOverrides = Map.copyOf(producerOverrides);
  }

  /**
   * Settings for relaying the given databases' outboxes to a cluster: topics with 3 partitions and
   * the broker's default replication factor, offsets in {@value #DEFAULT_OFFSETS_TOPIC}, dead
   * letters in {@value #DEFAULT_DEAD_LETTER_TOPIC}, offsets committed every second.
   *
   * @throws IllegalArgumentException when there is no source, or two share a name or a database
   */
  public static RelaySettings of(String bootstrapServers, List<OutboxSource> sources) {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("The relay needs at least one outbox source");
    }
    Map<String, OutboxSource> byName = new LinkedHashMap<>();
    Map<String, OutboxSource> bySlot = new LinkedHashMap<>();
    for (OutboxSource source : sources) {
      if (byName.put(source.name(), source) != null) {
        throw new IllegalArgumentException("Two outbox sources are named " + source.name());
      }
      OutboxSource other =
          bySlot.put(source.host() + ":" + source.port() + "/" + source.slotName(), source);
      if (other != null) {
        throw new IllegalArgumentException(
            "Outbox sources " + other.name() + " and " + source.name() + " read the same database");
      }
    }
    return new RelaySettings(
        bootstrapServers,
        sources,
        3,
        (short) -1,
        DEFAULT_OFFSETS_TOPIC,
        DEFAULT_DEAD_LETTER_TOPIC,
        Duration.ofSeconds(1),
        Map.of(),
        Map.of());
  }

  /**
   * Partitions and replication factor of the event topics the relay creates ({@code -1}: the
   * broker's default). Topics that exist are left as they are.
   */
  public RelaySettings withTopicLayout(int partitions, short replicationFactor) {
    if (partitions < 1) {
      throw new IllegalArgumentException("Partitions must be at least 1, not " + partitions);
    }
    if (replicationFactor < 1 && replicationFactor != -1) {
      throw new IllegalArgumentException(
          "Replication factor must be at least 1 (or -1 for the broker's default), not "
              + replicationFactor);
    }
    return new RelaySettings(
        bootstrapServers,
        sources,
        partitions,
        replicationFactor,
        offsetsTopic,
        deadLetterTopic,
        offsetFlushInterval,
        connectorOverrides,
        producerOverrides);
  }

  /** The topics for offsets and for dead letters. */
  public RelaySettings withTopics(String offsetsTopic, String deadLetterTopic) {
    return new RelaySettings(
        bootstrapServers,
        sources,
        partitions,
        replicationFactor,
        Objects.requireNonNull(offsetsTopic),
        Objects.requireNonNull(deadLetterTopic),
        offsetFlushInterval,
        connectorOverrides,
        producerOverrides);
  }

  /**
   * How often offsets are committed. Shorter means fewer events relayed twice after a crash, at the
   * cost of more writes to the offsets topic and the replication slot.
   */
  public RelaySettings withOffsetFlushInterval(Duration interval) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("Offset flush interval must be positive, not " + interval);
    }
    return new RelaySettings(
        bootstrapServers,
        sources,
        partitions,
        replicationFactor,
        offsetsTopic,
        deadLetterTopic,
        interval,
        connectorOverrides,
        producerOverrides);
  }

  /** Debezium connector or engine settings that replace the relay's own. */
  public RelaySettings withConnectorOverrides(Map<String, String> overrides) {
    return new RelaySettings(
        bootstrapServers,
        sources,
        partitions,
        replicationFactor,
        offsetsTopic,
        deadLetterTopic,
        offsetFlushInterval,
        overrides,
        producerOverrides);
  }

  /**
   * Producer settings that replace the relay's own (except that idempotence and {@code acks=all}
   * cannot be turned off).
   */
  public RelaySettings withProducerOverrides(Map<String, Object> overrides) {
    return new RelaySettings(
        bootstrapServers,
        sources,
        partitions,
        replicationFactor,
        offsetsTopic,
        deadLetterTopic,
        offsetFlushInterval,
        connectorOverrides,
        overrides);
  }

  /** The Kafka cluster's bootstrap servers. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The databases streamed, one engine each. */
  public List<OutboxSource> sources() {
    return sources;
  }

  /** Partitions of the event topics the relay creates. */
  public int partitions() {
    return partitions;
  }

  /** Replication factor of the topics the relay creates; {@code -1} for the broker's default. */
  public short replicationFactor() {
    return replicationFactor;
  }

  /** The topic Debezium's offsets are stored in. */
  public String offsetsTopic() {
    return offsetsTopic;
  }

  /** The topic rows that break the outbox contract go to. */
  public String deadLetterTopic() {
    return deadLetterTopic;
  }

  /** How often offsets are committed. */
  public Duration offsetFlushInterval() {
    return offsetFlushInterval;
  }

  Map<String, String> connectorOverrides() {
    return connectorOverrides;
  }

  Map<String, Object> producerOverrides() {
    return producerOverrides;
  }
}
