package io.tideway.schemas.registry;

import io.tideway.topics.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The store topic as the broker's admin API sees it: its creation and its end offset. */
final class StoreTopic implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(StoreTopic.class);

  private final Admin admin;
  private final String name;
  private final TopicPartition partition;
  private final int replicationFactor;

  StoreTopic(Map<String, Object> adminConfig, String name, int replicationFactor) {
    this.admin = Admin.create(adminConfig);
    this.name = name;
    this.partition = new TopicPartition(name, 0);
    this.replicationFactor = replicationFactor;
  }

  TopicPartition partition() {
    return partition;
  }

  /**
   * Creates the topic unless it exists, then checks it: one partition, because the registry's order
   * is the partition's order; compacted alone, as a topic that deletes records by age would lose
   * registrations and a restarted registry hand their ids out again.
   *
   * @throws IllegalStateException when the topic cannot serve as the store
   */
  void ensure(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, String> configs = new HashMap<>(Topics.SCHEMAS.settings());
    configs.put(
        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG,
        Integer.toString(minInSyncReplicas(replicationFactor)));
    NewTopic topic =
        new NewTopic(name, Topics.SCHEMAS.partitions(), (short) replicationFactor).configs(configs);
    try {
      await(admin.createTopics(List.of(topic)).all(), deadline);
      log.info(
          "Created the store topic {} (1 partition, compacted, replication factor {})",
          name,
          replicationFactor);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("Cannot create the store topic " + name, e.getCause());
      }
    }
    TopicDescription description = describe(deadline);
    if (description.partitions().size() != 1) {
      throw new IllegalStateException(
          "The store topic "
              + name
              + " has "
              + description.partitions().size()
              + " partitions; the registry needs exactly 1 to keep one order of changes");
    }
    try {
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, name);
      Config config =
          await(admin.describeConfigs(List.of(resource)).values().get(resource), deadline);
      String policy = config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
      if (!policy.equals(TopicConfig.CLEANUP_POLICY_COMPACT)) {
        throw new IllegalStateException(
            "The store topic "
                + name
                + " has cleanup.policy="
                + policy
                + "; the registry needs compact alone: retention would delete registrations, and"
                + " a restarted registry would hand their ids out again for other schemas");
      }
    } catch (ExecutionException e) {
      log.warn("Cannot read the settings of the store topic {}", name, e.getCause());
    }
  }

  /** At least two in-sync replicas when there are three or more, so one broker may be down. */
  static int minInSyncReplicas(int replicationFactor) {
    return Math.min(2, Math.max(1, replicationFactor - 1));
  }

  /**
   * The last stable offset: the offset a {@code read_committed} reader reaches once it has read
   * every committed record, and no further than any transaction still open.
   */
  long endOffset(Duration timeout)
      throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    ListOffsetsResultInfo info =
        admin
            .listOffsets(
                Map.of(partition, OffsetSpec.latest()),
                new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
            .partitionResult(partition)
            .get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
    return info.offset();
  }

  private TopicDescription describe(long deadline) throws InterruptedException {
    while (true) {
      try {
        return await(admin.describeTopics(List.of(name)).allTopicNames(), deadline).get(name);
      } catch (ExecutionException e) {
        // A topic just created may take a moment to be known everywhere.
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
            || System.nanoTime() > deadline) {
          throw new IllegalStateException("Cannot describe the store topic " + name, e.getCause());
        }
        Thread.sleep(100);
      }
    }
  }

  private static <T> T await(KafkaFuture<T> future, long deadline)
      throws InterruptedException, ExecutionException {
    try {
      return future.get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("The Kafka cluster did not answer in time", e);
    }
  }

  private static long remainingMillis(long deadline) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
  }
}
