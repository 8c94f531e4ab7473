package io.tideway.outbox.relay;

import io.tideway.topics.Topics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What an {@link OutboxRelay} streams and where to: the source databases, the Kafka cluster, and
 * how the topics it creates are laid out. Immutable; the {@code with…} methods return a copy.
 */
public final class RelaySettings {

  /** The topic the relay stores Debezium's offsets in, when not told otherwise. */
  public static final String DEFAULT_OFFSETS_TOPIC = Topics.RELAY_OFFSETS.name();

  /** The dead-letter topic of the outbox, from the platform's contract. */
  public static final String DEFAULT_DEAD_LETTER_TOPIC = Topics.OUTBOX_DLQ.name();

  // Not final so that the with… methods can change their fresh copy; never changed once returned.
  private String bootstrapServers;
  private List<OutboxSource> sources;
  private int partitions = Topics.DEFAULT_PARTITIONS;
  private short replicationFactor = -1;
  private String offsetsTopic = DEFAULT_OFFSETS_TOPIC;
  private String deadLetterTopic = DEFAULT_DEAD_LETTER_TOPIC;
  private Duration offsetFlushInterval = Duration.ofSeconds(1);
  private Duration stallAfter = Duration.ofSeconds(30);
  private Map<String, String> kafkaClientSettings = Map.of();
  private Map<String, String> connectorOverrides = Map.of();
  private Map<String, Object> producerOverrides = Map.of();

  private RelaySettings() {}

  private RelaySettings copy() {
    RelaySettings copy = new RelaySettings();
    copy.bootstrapServers = bootstrapServers;
    copy.sources = sources;
    copy.partitions = partitions;
    copy.replicationFactor = replicationFactor;
    copy.offsetsTopic = offsetsTopic;
    copy.deadLetterTopic = deadLetterTopic;
    copy.offsetFlushInterval = offsetFlushInterval;
    copy.stallAfter = stallAfter;
    copy.kafkaClientSettings = kafkaClientSettings;
    copy.connectorOverrides = connectorOverrides;
    copy.producerOverrides = producerOverrides;
    return copy;
  }

  /**
   * Settings for relaying the given databases' outboxes to a cluster: topics with {@link
   * Topics#DEFAULT_PARTITIONS} partitions and the broker's default replication factor, offsets in
   * {@link Topics#RELAY_OFFSETS}, dead letters in {@link Topics#OUTBOX_DLQ}, offsets committed
   * every second.
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
    RelaySettings settings = new RelaySettings();
    settings.bootstrapServers = bootstrapServers;
    settings.sources = List.copyOf(sources);
    return settings;
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
    RelaySettings copy = copy();
    copy.partitions = partitions;
    copy.replicationFactor = replicationFactor;
    return copy;
  }

  /** The topics for offsets and for dead letters. */
  public RelaySettings withTopics(String offsetsTopic, String deadLetterTopic) {
    RelaySettings copy = copy();
    copy.offsetsTopic = Objects.requireNonNull(offsetsTopic, "offsetsTopic");
    copy.deadLetterTopic = Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
    return copy;
  }

  /**
   * How often offsets are committed. Shorter means fewer events relayed twice after a crash, at the
   * cost of more writes to the offsets topic and the replication slot.
   */
  public RelaySettings withOffsetFlushInterval(Duration interval) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("Offset flush interval must be positive, not " + interval);
    }
    RelaySettings copy = copy();
    copy.offsetFlushInterval = interval;
    return copy;
  }

  /**
   * How long a batch of events may wait for Kafka (its acknowledgements, its topics' creation)
   * before its source counts as {@link RelayHealth.SourceState#STALLED}, 30 s by default. The
   * producer itself waits for up to 5 minutes before it fails a batch, so that a broker restart
   * costs no engine restart; meanwhile health tells that nothing is relayed.
   */
  public RelaySettings withStallAfter(Duration stallAfter) {
    if (stallAfter.isNegative() || stallAfter.isZero()) {
      throw new IllegalArgumentException("Stall time must be positive, not " + stallAfter);
    }
    RelaySettings copy = copy();
    copy.stallAfter = stallAfter;
    return copy;
  }

  /**
   * Settings every Kafka client of the relay is made with — the producer, the admin client that
   * creates topics, and the clients of the offsets store: how to reach a secured cluster ({@code
   * security.protocol}, {@code sasl.*}, {@code ssl.*}) and the like. They replace the relay's own
   * defaults; {@link #withProducerOverrides producer} and {@link #withConnectorOverrides connector}
   * overrides replace them in turn.
   *
   * @throws IllegalArgumentException when they name {@code bootstrap.servers}, which {@link #of}
   *     takes
   */
  public RelaySettings withKafkaClientSettings(Map<String, String> settings) {
    if (settings.containsKey("bootstrap.servers")) {
      throw new IllegalArgumentException(
          "bootstrap.servers is the relay's cluster, not one of its client settings");
    }
    RelaySettings copy = copy();
    copy.kafkaClientSettings = Map.copyOf(settings);
    return copy;
  }

  /**
   * Debezium connector or engine settings that replace the relay's own.
   *
   * @throws IllegalArgumentException when they name a setting the relay's contract rests on: how
   *     change events are named and which table is read ({@code topic.*}, {@code
   *     table.include.list}), the transforms and converters the relay applies itself, where offsets
   *     are kept, the queue and the connection to the database, which the source's own settings
   *     give, and which changes reach it ({@code plugin.name}, {@code skipped.operations}, {@code
   *     publication.autocreate.mode}, {@code slot.drop.on.stop}: a slot dropped at each engine
   *     restart misses what was committed meanwhile). Overridden, changes would go unrelayed while
   *     their offsets counted as relayed.
   */
  public RelaySettings withConnectorOverrides(Map<String, String> overrides) {
    List<String> refused =
        overrides.keySet().stream().filter(RelaySettings::reservedForTheRelay).sorted().toList();
    if (!refused.isEmpty()) {
      throw new IllegalArgumentException(
          "The relay sets "
              + String.join(", ", refused)
              + " itself: the outbox contract rests on them (its change topic, its table, the"
              + " changes it hears of, its transforms, its offsets); remove them from the"
              + " connector settings");
    }
    RelaySettings copy = copy();
    copy.connectorOverrides = Map.copyOf(overrides);
    return copy;
  }

  /**
   * Producer settings that replace the relay's own (except that idempotence and {@code acks=all}
   * cannot be turned off).
   */
  public RelaySettings withProducerOverrides(Map<String, Object> overrides) {
    RelaySettings copy = copy();
    copy.producerOverrides = Map.copyOf(overrides);
    return copy;
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

  /** How long a batch may wait for Kafka before its source counts as stalled. */
  public Duration stallAfter() {
    return stallAfter;
  }

  /** The settings every Kafka client of the relay is made with. */
  public Map<String, String> kafkaClientSettings() {
    return kafkaClientSettings;
  }

  /** The Debezium settings that replace the relay's own. */
  public Map<String, String> connectorOverrides() {
    return connectorOverrides;
  }

  Map<String, Object> producerOverrides() {
    return producerOverrides;
  }

  private static boolean reservedForTheRelay(String name) {
    return name.startsWith("topic.")
        || name.startsWith("transforms")
        || name.startsWith("offset.storage")
        || name.endsWith(".converter")
        || Set.of(
                "name",
                "connector.class",
                "table.include.list",
                "table.exclude.list",
                "schema.include.list",
                "schema.exclude.list",
                "database.hostname",
                "database.port",
                "database.dbname",
                "database.user",
                "database.password",
                "slot.name",
                "slot.drop.on.stop",
                "plugin.name",
                "publication.autocreate.mode",
                "skipped.operations",
                "queue.provider.type",
                "bootstrap.servers")
            .contains(name);
  }
}
