package io.tideway.topology;

import io.tideway.schemas.serde.AvroSerde;
import io.tideway.topics.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.VersionedBytesStoreSupplier;

/**
 * The {@link TopologyContext} of one deployment: settings are the deployment's, including the
 * serde's ({@code schema.registry.url}, …), and every serde it hands out is closed with it. Tests
 * build one over an in-memory registry:
 *
 * <pre>{@code
 * try (DeploymentContext context =
 *     DeploymentContext.of("customer-view", Map.of("schema.registry.url", "mock://test"))) {
 *   Topology topology = new CustomerView().build(context);
 *   // TopologyTestDriver ...
 * }
 * }</pre>
 */
public final class DeploymentContext implements TopologyContext, AutoCloseable {

  /**
   * Prefix of the settings that rename a catalogue topic: {@code tideway.topic.<name>=<new name>};
   * not {@code topic.}, which Kafka Streams reads as internal topic settings.
   */
  public static final String TOPIC_RENAME_PREFIX = "tideway.topic.";

  private static final ProcessingObserver UNOBSERVED =
      (processor, partition, offset, eventId, occurredAt) -> {};

  private final String applicationId;
  private final Map<String, Object> settings;
  private final List<Serde<?>> serdes = new ArrayList<>();
  private final Map<String, Duration> historyRetentions = new HashMap<>();

  private DeploymentContext(String applicationId, Map<String, ?> settings) {
    this.applicationId = Objects.requireNonNull(applicationId, "applicationId");
    this.settings = Map.copyOf(settings);
  }

  /**
   * A context for one application.
   *
   * @param applicationId the application id the topology runs under
   * @param settings the deployment's settings: serde settings, topic renames, the topology's own
   */
  public static DeploymentContext of(String applicationId, Map<String, ?> settings) {
    return new DeploymentContext(applicationId, settings);
  }

  @Override
  public String applicationId() {
    return applicationId;
  }

  @Override
  public String topicName(Topic<?, ?> topic) {
    Object renamed = settings.get(TOPIC_RENAME_PREFIX + topic.name());
    return renamed == null ? topic.name() : renamed.toString();
  }

  @Override
  public <K, V> Serde<K> keySerde(Topic<K, V> topic) {
    return configured(topic.newKeySerde(), topic.serdeSettings(), true);
  }

  @Override
  public <K, V> Serde<V> valueSerde(Topic<K, V> topic) {
    return configured(topic.newValueSerde(), topic.serdeSettings(), false);
  }

  @Override
  public <T extends SpecificRecord> Serde<T> avroSerde(Class<T> type) {
    return configured(AvroSerde.specific(type), Map.of(), false);
  }

  @Override
  public synchronized VersionedBytesStoreSupplier versionedStore(
      String name, Duration historyRetention) {
    historyRetentions.put(name, historyRetention);
    return Stores.persistentVersionedKeyValueStore(name, historyRetention);
  }

  /** How long a versioned store made by {@link #versionedStore} keeps history; empty for others. */
  public synchronized Optional<Duration> historyRetention(String store) {
    return Optional.ofNullable(historyRetentions.get(store));
  }

  @Override
  public StreamsBuilder streamsBuilder() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    // Required by StreamsConfig; a topology is built without connecting anywhere.
    props.put(
        StreamsConfig.BOOTSTRAP_SERVERS_CONFIG,
        settings.getOrDefault(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092"));
    props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
    // Wrapped also when nothing observes, so a branch that took a record skips it when the record
    // comes again after failing in another (ProcessingFailures) in a test driver as in the runtime.
    props.put(StreamsConfig.PROCESSOR_WRAPPER_CLASS_CONFIG, ObservedProcessors.class);
    props.put(
        ProcessingObserver.CONFIG, settings.getOrDefault(ProcessingObserver.CONFIG, UNOBSERVED));
    Object refused = settings.get(RefusedResults.CONFIG);
    if (refused != null) {
      props.put(RefusedResults.CONFIG, refused);
    }
    return new StreamsBuilder(new TopologyConfig(new StreamsConfig(props)));
  }

  @Override
  public <T> T extension(String key, Class<T> type) {
    Object value = settings.get(key);
    return type.isInstance(value) ? type.cast(value) : null;
  }

  @Override
  public String setting(String key, String defaultValue) {
    Object value = settings.get(key);
    return value == null ? defaultValue : value.toString();
  }

  /** Closes every serde this context handed out, and with them their registry clients. */
  @Override
  public synchronized void close() {
    serdes.forEach(Serde::close);
    serdes.clear();
  }

  private synchronized <T> Serde<T> configured(
      Serde<T> serde, Map<String, Object> overrides, boolean isKey) {
    Map<String, Object> config = new HashMap<>(settings);
    config.putAll(overrides);
    serde.configure(config, isKey);
    serdes.add(serde);
    return serde;
  }
}
