package io.tideway.loadtest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.TopicPartitionReplica;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Waiting for new topics to be ready: an idempotent producer's first batches to a partition whose
 * leader has not yet created its log are refused, and its retries were seen to loop on out-of-order
 * sequence numbers, so a run sends to a topic only once every partition's leader has its log.
 */
public final class TopicLeaders {

  private TopicLeaders() {}

  /**
   * Returns once every partition of {@code topics} has a leader that has created its log.
   *
   * @throws TimeoutException when some partition has none after {@code timeout}
   */
  public static void await(Admin admin, Collection<String> topics, Duration timeout)
      throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ready(admin, topics, timeout)) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(
            "Partitions of " + topics + " got no leader within " + timeout.toSeconds() + " s");
      }
      Thread.sleep(50);
    }
  }

  private static boolean ready(Admin admin, Collection<String> topics, Duration timeout)
      throws InterruptedException, ExecutionException, TimeoutException {
    List<TopicPartitionReplica> leaders = new ArrayList<>();
    try {
      for (TopicDescription topic :
          admin
              .describeTopics(topics)
              .allTopicNames()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .values()) {
        for (TopicPartitionInfo partition : topic.partitions()) {
          if (partition.leader() == null || partition.leader().isEmpty()) {
            return false;
          }
          leaders.add(
              new TopicPartitionReplica(
                  topic.name(), partition.partition(), partition.leader().id()));
        }
      }
      // A leader in the metadata is not enough: its broker answers NOT_LEADER_OR_FOLLOWER until it
      // has created the partition's log.
      return admin
          .describeReplicaLogDirs(leaders)
          .all()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .values()
          .stream()
          .allMatch(replica -> replica.getCurrentReplicaLogDir() != null);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RetriableException) {
        return false; // created, but not yet in the metadata this broker answers with
      }
      throw e;
    }
  }
}
