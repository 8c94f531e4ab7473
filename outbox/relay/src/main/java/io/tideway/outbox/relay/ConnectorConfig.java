package io.tideway.outbox.relay;

import io.tideway.topics.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The Debezium settings of one source: the shared connector settings in {@code
 * outbox-connector.properties} (the same a Kafka Connect deployment uses), the source's connection,
 * and the embedded engine's own (offsets in Kafka, flush interval).
 */
final class ConnectorConfig {

  /** The resource holding the settings every relay shares, embedded or on Kafka Connect. */
  static final String SHARED_RESOURCE = "outbox-connector.properties";

  /** Settings the relay applies itself rather than handing to the engine. */
  private static final String TRANSFORMS_PREFIX = "transforms";

  private static final String CONVERTER_SUFFIX = ".converter";

  /**
   * Debezium bounds its queue by record count only ({@code max.queue.size}): while Kafka is
   * unreachable the queue fills with whole events, and large events exhaust the heap long before
   * the count is reached. A bound in bytes too keeps the relay's memory independent of event size;
   * events under about 2 KiB still meet the count first.
   */
  private static final long MAX_QUEUE_BYTES = 32L * 1024 * 1024;

  /**
   * How long Debezium gathers changes before it hands a batch over, unless 2,048 are in first: the
   * shared settings' 10 ms balance Kafka Connect's spinning wait; the embedded relay's queue does
   * not spin.
   */
  static final Duration POLL_INTERVAL = Duration.ofMillis(5);

  private ConnectorConfig() {}

  /** The settings of {@link #SHARED_RESOURCE}, in file order. */
  static Map<String, String> shared() {
    Properties properties = new Properties();
    try (InputStream in = ConnectorConfig.class.getResourceAsStream(SHARED_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(SHARED_RESOURCE + " is missing from the relay's jar");
      }
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> settings = new LinkedHashMap<>();
    properties.stringPropertyNames().stream()
        .sorted()
        .forEach(name -> settings.put(name, properties.getProperty(name)));
    return settings;
  }

  /** The Debezium topic prefix of a source; it names its change topics and its offsets. */
  static String topicPrefix(OutboxSource source) {
    return "tideway." + source.name();
  }

  /** The engine's name, which keys the source's offsets in the offsets topic. */
  static String engineName(OutboxSource source) {
    return "tideway-relay-" + source.name();
  }

  /** The topic Debezium names the source's outbox change events with. */
  static String changeTopic(OutboxSource source) {
    return topicPrefix(source) + ".public.outbox";
  }

  /**
   * The engine's settings for one source. Transforms and converters are left out: the relay applies
   * them itself, one record at a time, so a record that fails them can be dead-lettered while the
   * rest go on. Changes wait in a {@link NonSpinningChangeQueue}, handed over every {@link
   * #POLL_INTERVAL}.
   */
  static Properties engine(RelaySettings settings, OutboxSource source) {
    Map<String, String> all = new LinkedHashMap<>();
    shared()
        .forEach(
            (name, value) -> {
              if (!name.startsWith(TRANSFORMS_PREFIX) && !name.endsWith(CONVERTER_SUFFIX)) {
                all.put(name, value);
              }
            });
    all.put("name", engineName(source));
    all.put("topic.prefix", topicPrefix(source));
    all.put("database.hostname", source.host());
    all.put("database.port", Integer.toString(source.port()));
    all.put("database.dbname", source.database());
    all.put("database.user", source.user());
    all.put("database.password", source.password());
    source.ssl().forEach((parameter, value) -> all.put("database." + parameter, value));
    all.put("slot.name", source.slotName());
    all.put("offset.storage", RelayOffsetStore.class.getName());
    all.put("offset.storage.topic", settings.offsetsTopic());
    all.put("offset.storage.partitions", Integer.toString(Topics.RELAY_OFFSETS.partitions()));
    all.put("offset.storage.replication.factor", Short.toString(settings.replicationFactor()));
    all.put("bootstrap.servers", settings.bootstrapServers());
    all.put("offset.flush.interval.ms", Long.toString(settings.offsetFlushInterval().toMillis()));
    all.put("max.queue.size.in.bytes", Long.toString(MAX_QUEUE_BYTES));
    all.put("queue.provider.type", NonSpinningChangeQueue.NAME);
    // Without the spin a shorter wait costs little: an idle platform 11% of a core at 5 ms.
    all.put("poll.interval.ms", Long.toString(POLL_INTERVAL.toMillis()));
    // The offsets store makes its Kafka clients from the engine's settings.
    all.putAll(settings.kafkaClientSettings());
    all.putAll(settings.connectorOverrides());
    Properties properties = new Properties();
    properties.putAll(all);
    return properties;
  }

  /** The shared settings of the transform chain: {@code transforms} and {@code transforms.*}. */
  static Map<String, String> transforms() {
    Map<String, String> transforms = new LinkedHashMap<>();
    shared()
        .forEach(
            (name, value) -> {
              if (name.startsWith(TRANSFORMS_PREFIX)) {
                transforms.put(name, value);
              }
            });
    return transforms;
  }

  /** The shared converter settings: {@code key.converter} and the like. */
  static String converter(String which) {
    String name = which + CONVERTER_SUFFIX;
    String value = shared().get(name);
    if (value == null) {
      throw new IllegalStateException(SHARED_RESOURCE + " names no " + name);
    }
    return value;
  }
}
