package io.tideway.replay;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The Kafka clients both tools use, all built from the same connection settings. */
final class ReplayClients implements AutoCloseable {

  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final Map<String, Object> settings;
  private Admin admin;

  ReplayClients(Map<String, ?> settings) {
    this.settings = Map.copyOf(settings);
    if (!settings.containsKey(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
      throw new IllegalArgumentException("The Kafka settings have no bootstrap.servers");
    }
  }

  /** The number of partitions of a topic, or empty when the cluster has no such topic. */
  OptionalInt partitionCount(String topic) {
    try {
      TopicDescription description =
          answer(admin().describeTopics(List.of(topic)).allTopicNames(), "describing " + topic)
              .get(topic);
      return OptionalInt.of(description.partitions().size());
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return OptionalInt.empty();
      }
      throw new IllegalStateException("Cannot describe topic " + topic + ": " + e.getCause(), e);
    }
  }

  /**
   * A consumer without a group, for assigned partitions: it reads committed records only, so
   * records of aborted transactions are never replayed, and creates no topic by asking for it.
   */
  KafkaConsumer<byte[], byte[]> consumer() {
    return consumer(null);
  }

  /**
   * As {@link #consumer()}, naming a group it never joins: what a transaction commits read offsets
   * in ({@link KafkaConsumer#groupMetadata()}), and whose committed offsets it reads once they are
   * stable (no transaction still committing them).
   *
   * @param group the group, or null for none
   */
  KafkaConsumer<byte[], byte[]> consumer(String group) {
    Map<String, Object> props = new HashMap<>(settings);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    if (group != null) {
      props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    }
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * The largest record the producer takes, uncompressed. A topic's limit applies to compressed
   * batches, so a record it holds may be larger than a producer's default of 1 MiB: the broker, not
   * the producer, is left to say what fits.
   */
  static final int MAX_RECORD_BYTES = 16 * 1024 * 1024;

  /**
   * An idempotent producer waiting for all in-sync replicas, which keeps order per partition, and
   * compresses as a source likely did.
   */
  KafkaProducer<byte[], byte[]> producer() {
    return new KafkaProducer<>(
        producerSettings(), new ByteArraySerializer(), new ByteArraySerializer());
  }

  private Map<String, Object> producerSettings() {
    Map<String, Object> props = new HashMap<>(settings);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 10);
    props.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_RECORD_BYTES);
    props.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    return props;
  }

  /**
   * A transactional producer, otherwise as {@link #producer()}: initialising it aborts what an
   * earlier one of the same id left open, and fences that one.
   */
  KafkaProducer<byte[], byte[]> transactionalProducer(String transactionalId) {
    Map<String, Object> props = producerSettings();
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    // A run killed with a transaction open holds back the target's read_committed readers until
    // the broker aborts it (or the copy runs again): not for the default minute.
    props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 15_000);
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /**
   * How long a topic keeps records by the timestamps they come with: empty when it deletes none by
   * age (its {@code retention.ms} is -1, or it is only compacted), when it stamps records with its
   * own time ({@code LogAppendTime}), or when this user may not read its settings.
   */
  Optional<Duration> retention(String topic) {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    Config config;
    try {
      config =
          answer(
                  admin().describeConfigs(List.of(resource)).all(),
                  "reading the settings of " + topic)
              .get(resource);
    } catch (ExecutionException e) {
      return Optional.empty();
    }
    ConfigEntry policy = config.get(TopicConfig.CLEANUP_POLICY_CONFIG);
    ConfigEntry retention = config.get(TopicConfig.RETENTION_MS_CONFIG);
    ConfigEntry stamps = config.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG);
    if (policy == null
        || !policy.value().contains(TopicConfig.CLEANUP_POLICY_DELETE)
        || retention == null
        || Long.parseLong(retention.value()) < 0
        || (stamps != null && stamps.value().equals("LogAppendTime"))) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofMillis(Long.parseLong(retention.value())));
  }

  /** What Kafka answers within {@link #TIMEOUT}. */
  private <T> T answer(KafkaFuture<T> future, String doing) throws ExecutionException {
    try {
      return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Kafka at "
              + settings.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)
              + " did not answer "
              + doing,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while " + doing, e);
    }
  }

  private synchronized Admin admin() {
    if (admin == null) {
      admin = Admin.create(settings);
    }
    return admin;
  }

  @Override
  public synchronized void close() {
    if (admin != null) {
      admin.close(TIMEOUT);
      admin = null;
    }
  }
}
