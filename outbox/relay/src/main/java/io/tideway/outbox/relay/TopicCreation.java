package io.tideway.outbox.relay;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionReplica;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates each topic the relay writes to, the first time it meets it, with the configured layout;
 * topics that exist are left as they are, and need no right to create topics. Clusters that create
 * topics themselves need none of it, but the platform's broker does not ({@code
 * auto.create.topics.enable=false}). It also reads the bounds each topic sets on record times, so
 * that an event its broker would refuse for its time is known before it is sent.
 */
final class TopicCreation {

  private static final Logger log = LoggerFactory.getLogger(TopicCreation.class);

  private static final Duration LEADERS_TIMEOUT = Duration.ofSeconds(30);

  private final Admin admin;
  private final int partitions;
  private final short replicationFactor;
  private final Set<String> known = ConcurrentHashMap.newKeySet();
  private final Map<String, TimeBounds> timeBounds = new ConcurrentHashMap<>();
  private volatile Boolean mayDescribeLogDirs;

  /**
   * How far a record's time may lie behind or ahead of its broker's clock ({@code
   * message.timestamp.before.max.ms}, {@code message.timestamp.after.max.ms}).
   */
  private record TimeBounds(long behindMs, long aheadMs) {

    static final TimeBounds NONE = new TimeBounds(Long.MAX_VALUE, Long.MAX_VALUE);
  }

  TopicCreation(Admin admin, int partitions, short replicationFactor) {
    this.admin = admin;
    this.partitions = partitions;
    this.replicationFactor = replicationFactor;
  }

  /**
   * Creates the topic if needed and waits until every partition has a leader.
   *
   * @return true the first time the topic is met, when the caller may want to warm up as well
   */
  boolean ensure(String topic) throws InterruptedException {
    if (known.contains(topic)) {
      return false;
    }
    NewTopic newTopic =
        new NewTopic(
            topic,
            Optional.of(partitions),
            replicationFactor == -1 ? Optional.empty() : Optional.of(replicationFactor));
    if (!exists(topic)) {
      try {
        admin.createTopics(List.of(newTopic)).all().get();
        log.info("Created topic {} ({} partitions)", topic, partitions);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new RelayException("Cannot create topic " + topic, e.getCause());
        }
      }
    }
    awaitLeaders(topic);
    timeBounds.put(topic, readTimeBounds(topic));
    known.add(topic);
    return true;
  }

  /**
   * Whether the topic exists, asked before creating it: a broker checks the right to create a topic
   * before whether it exists, so a relay allowed to write to topics made for it, not to create
   * them, would be refused the topics it may write to. One it may not describe is left to the
   * creation to refuse.
   */
  private boolean exists(String topic) throws InterruptedException {
    try {
      admin.describeTopics(List.of(topic)).allTopicNames().get();
      return true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException
          || e.getCause() instanceof TopicAuthorizationException) {
        return false;
      }
      throw new RelayException("Cannot describe topic " + topic, e.getCause());
    }
  }

  /**
   * Why the topic's broker would refuse a record of this time now, or null: a record sent long
   * after its event was committed (the relay was down), or stamped by a clock far ahead. Sending it
   * would fail the whole produce batch around it, its neighbours included.
   */
  String timeRefusal(String topic, long timestamp) {
    TimeBounds bounds = timeBounds.getOrDefault(topic, TimeBounds.NONE);
    long now = System.currentTimeMillis();
    if (now - timestamp > bounds.behindMs()) {
      return refusal(topic, timestamp, now, "before", bounds.behindMs());
    }
    if (timestamp - now > bounds.aheadMs()) {
      return refusal(topic, timestamp, now, "after", bounds.aheadMs());
    }
    return null;
  }

  private static String refusal(String topic, long timestamp, long now, String side, long bound) {
    return String.format(
        "Timestamp %d is more than %d ms %s now, %d (message.timestamp.%s.max.ms of %s)",
        timestamp, bound, side, now, side, topic);
  }

  /**
   * The topic's bounds on record times; none where it keeps the broker's time or cannot be read.
   */
  private TimeBounds readTimeBounds(String topic) throws InterruptedException {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    try {
      Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
      if ("LogAppendTime".equals(value(config, "message.timestamp.type"))) {
        return TimeBounds.NONE;
      }
      return new TimeBounds(
          millis(config, "message.timestamp.before.max.ms"),
          millis(config, "message.timestamp.after.max.ms"));
    } catch (ExecutionException | RuntimeException e) {
      // Left to the broker, whose refusal the relay also handles, a batch later.
      log.debug("Cannot read the time bounds of topic {}", topic, e);
      return TimeBounds.NONE;
    }
  }

  private static String value(Config config, String name) {
    ConfigEntry entry = config == null ? null : config.get(name);
    return entry == null ? null : entry.value();
  }

  private static long millis(Config config, String name) {
    String value = value(config, name);
    return value == null ? Long.MAX_VALUE : Long.parseLong(value);
  }

  /**
   * Forgets which topics exist, so each is checked again when next met: after a failure, as one may
   * have been deleted.
   */
  void forgetAll() {
    known.clear();
  }

  /**
   * A produce request that meets a partition before its leader is known everywhere is retried, and
   * an idempotent producer's retry there was seen to end in an endless out-of-order-sequence loop:
   * the first records go to a topic only once it is ready. Ready is more than a leader in the
   * metadata: the leader's broker answers {@code NOT_LEADER_OR_FOLLOWER} until it has created the
   * partition's log, so the wait goes on until each leader reports its replica's log directory.
   */
  private void awaitLeaders(String topic) throws InterruptedException {
    long deadline = System.nanoTime() + LEADERS_TIMEOUT.toNanos();
    while (true) {
      try {
        TopicDescription description =
            admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        if (description.partitions().stream().allMatch(partition -> partition.leader() != null)
            && logsCreated(topic, description)) {
          return;
        }
      } catch (ExecutionException e) {
        log.debug("Topic {} is not described yet", topic, e.getCause());
      }
      if (System.nanoTime() > deadline) {
        throw new RelayException(
            "Topic " + topic + " has partitions without a leader after " + LEADERS_TIMEOUT, null);
      }
      Thread.sleep(20);
    }
  }

  /** Whether every partition's leader has created its log; true when brokers cannot tell. */
  private boolean logsCreated(String topic, TopicDescription description)
      throws InterruptedException {
    if (!mayDescribeLogDirs()) {
      return true;
    }
    List<TopicPartitionReplica> leaders =
        description.partitions().stream()
            .map(p -> new TopicPartitionReplica(topic, p.partition(), p.leader().id()))
            .toList();
    try {
      return admin.describeReplicaLogDirs(leaders).all().get().values().stream()
          .allMatch(replica -> replica.getCurrentReplicaLogDir() != null);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RetriableException) {
        return false;
      }
      // A cluster that does not answer this (an authorizer, say) is left to the producer's retries.
      log.debug("Cannot describe the log directories of {}", topic, e.getCause());
      return true;
    }
  }

  /**
   * Whether the relay may ask brokers for their log directories: one without the right to describe
   * the cluster gets answers without any, which look like logs not created yet, for ever.
   */
  private boolean mayDescribeLogDirs() throws InterruptedException {
    if (mayDescribeLogDirs == null) {
      try {
        Set<AclOperation> allowed =
            admin
                .describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true))
                .authorizedOperations()
                .get();
        // Null when the broker does not report them; without an authorizer it reports all.
        mayDescribeLogDirs =
            allowed == null
                || allowed.contains(AclOperation.DESCRIBE)
                || allowed.contains(AclOperation.ALL);
      } catch (ExecutionException e) {
        log.debug("Cannot ask which cluster operations are allowed", e.getCause());
        return true;
      }
    }
    return mayDescribeLogDirs;
  }
}
