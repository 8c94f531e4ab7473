package io.tideway.topology.runtime;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * What replays need to know of topics and groups: partitions, positions at a time, committed
 * offsets and the members of a group, each asked of the cluster with a bounded wait.
 */
final class GroupOffsets {

  private final Admin admin;
  private final Duration timeout;

  GroupOffsets(Admin admin, Duration timeout) {
    this.admin = admin;
    this.timeout = timeout;
  }

  /** Every partition of the topics, in topic and partition order. */
  List<TopicPartition> partitions(Collection<String> topics) {
    Map<String, TopicDescription> described = get(admin.describeTopics(topics).allTopicNames());
    return described.values().stream()
        .flatMap(
            topic ->
                topic.partitions().stream()
                    .map(p -> new TopicPartition(topic.name(), p.partition())))
        .sorted(
            (a, b) ->
                a.topic().equals(b.topic())
                    ? Integer.compare(a.partition(), b.partition())
                    : a.topic().compareTo(b.topic()))
        .toList();
  }

  /** The offsets a group committed; partitions it never committed are absent. */
  Map<TopicPartition, Long> committed(String group) {
    Map<TopicPartition, OffsetAndMetadata> offsets;
    try {
      offsets =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof GroupIdNotFoundException) {
        return Map.of();
      }
      throw new DeploymentException("Cannot read the offsets of group " + group + ": " + e, e);
    } catch (InterruptedException | TimeoutException e) {
      throw failed("read the offsets of group " + group, e);
    }
    Map<TopicPartition, Long> committed = new HashMap<>();
    offsets.forEach(
        (partition, offset) -> {
          if (offset != null) {
            committed.put(partition, offset.offset());
          }
        });
    return committed;
  }

  /** The end offset of each partition: where the next record will be written. */
  Map<TopicPartition, Long> ends(Collection<TopicPartition> partitions) {
    return offsets(partitions, OffsetSpec.latest());
  }

  /**
   * Where each partition's committed records end (its last stable offset): records of a transaction
   * still open are not counted, so a target taken from it is reachable.
   */
  Map<TopicPartition, Long> stableEnds(Collection<TopicPartition> partitions) {
    return offsets(
        partitions, OffsetSpec.latest(), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED));
  }

  /**
   * The offset of each partition's first record at or after {@code time}, or its end when none is;
   * the earliest offset when {@code time} is null.
   */
  Map<TopicPartition, Long> at(Collection<TopicPartition> partitions, Instant time) {
    if (time == null) {
      return offsets(partitions, OffsetSpec.earliest());
    }
    Map<TopicPartition, Long> found =
        offsets(partitions, OffsetSpec.forTimestamp(time.toEpochMilli()));
    List<TopicPartition> none =
        found.entrySet().stream().filter(e -> e.getValue() < 0).map(Map.Entry::getKey).toList();
    found.putAll(ends(none));
    return found;
  }

  /**
   * The members of a group that are not this runtime's: their group instance ids are not {@code
   * ownPrefix} followed by a stream thread's index.
   */
  Set<String> membersElsewhere(String group, String ownPrefix) {
    return members(group).stream()
        .filter(m -> m.groupInstanceId().map(id -> !isOwn(id, ownPrefix)).orElse(true))
        .map(m -> m.groupInstanceId().orElse(m.consumerId()) + "@" + m.host())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /**
   * Whether a group instance id is {@code ownPrefix} and a thread index, as Kafka Streams makes
   * them: a runtime named {@code eu-2} shares the prefix {@code app-eu-} of one named {@code eu},
   * but not its ids.
   */
  static boolean isOwn(String groupInstanceId, String ownPrefix) {
    return groupInstanceId.startsWith(ownPrefix)
        && groupInstanceId.length() > ownPrefix.length()
        && groupInstanceId.substring(ownPrefix.length()).chars().allMatch(Character::isDigit);
  }

  /**
   * Commits offsets for a group with no members, as a consumer of it would: where it starts on
   * those partitions when it runs next.
   */
  void commit(String group, Map<TopicPartition, Long> positions) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    positions.forEach((partition, offset) -> offsets.put(partition, new OffsetAndMetadata(offset)));
    try {
      admin
          .alterConsumerGroupOffsets(group, offsets)
          .all()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new DeploymentException(
          "Cannot commit offsets for group " + group + ": " + e.getCause().getMessage(), e);
    } catch (InterruptedException | TimeoutException e) {
      throw failed("commit offsets for group " + group, e);
    }
  }

  /**
   * Removes the members of a group whose group instance ids are {@link #isOwn own}: this runtime's
   * static members that a runtime stopped without leaving (killed, say) left behind for a
   * deployment that has not run since. They would hold the group until their sessions time out.
   */
  void removeOwnMembers(String group, String ownPrefix) {
    List<MemberToRemove> own =
        members(group).stream()
            .flatMap(m -> m.groupInstanceId().stream())
            .filter(id -> isOwn(id, ownPrefix))
            .map(MemberToRemove::new)
            .toList();
    if (own.isEmpty()) {
      return;
    }
    try {
      admin
          .removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions(own))
          .all()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new DeploymentException("Cannot remove " + own + " from group " + group + ": " + e, e);
    } catch (InterruptedException | TimeoutException e) {
      throw failed("remove members from group " + group, e);
    }
  }

  private Collection<MemberDescription> members(String group) {
    try {
      return admin
          .describeConsumerGroups(List.of(group))
          .describedGroups()
          .get(group)
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .members();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof GroupIdNotFoundException) {
        return List.of();
      }
      throw new DeploymentException("Cannot describe group " + group + ": " + e, e);
    } catch (InterruptedException | TimeoutException e) {
      throw failed("describe group " + group, e);
    }
  }

  private Map<TopicPartition, Long> offsets(
      Collection<TopicPartition> partitions, OffsetSpec spec) {
    return offsets(partitions, spec, new ListOffsetsOptions());
  }

  private Map<TopicPartition, Long> offsets(
      Collection<TopicPartition> partitions, OffsetSpec spec, ListOffsetsOptions options) {
    if (partitions.isEmpty()) {
      return new HashMap<>();
    }
    Map<TopicPartition, OffsetSpec> request =
        partitions.stream().collect(Collectors.toMap(p -> p, p -> spec));
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> answers =
        get(admin.listOffsets(request, options).all());
    Map<TopicPartition, Long> offsets = new HashMap<>();
    answers.forEach((partition, info) -> offsets.put(partition, info.offset()));
    return offsets;
  }

  private <T> T get(KafkaFuture<T> future) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new DeploymentException("The cluster refused: " + e.getCause().getMessage(), e);
    } catch (InterruptedException | TimeoutException e) {
      throw failed("ask the cluster", e);
    }
  }

  private static DeploymentException failed(String what, Exception e) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    return new DeploymentException("Could not " + what + " in time: " + e, e);
  }
}
