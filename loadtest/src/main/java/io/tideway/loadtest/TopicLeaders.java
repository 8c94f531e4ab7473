package io.tideway.loadtest;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Waiting for new topics to be ready: an idempotent producer's first batches to a partition whose
 * leader is still being elected are refused, and its retries were seen to loop on out-of-order
 * sequence numbers, so a run sends to a topic only once every partition has a leader.
 */
public final class TopicLeaders {

  private TopicLeaders() {}

  /**
   * Returns once every partition of {@code topics} has a leader.
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
    try {
      return admin
          .describeTopics(topics)
          .allTopicNames()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .values()
          .stream()
          .flatMap(topic -> topic.partitions().stream())
          .allMatch(partition -> partition.leader() != null && !partition.leader().isEmpty());
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return false; // created, but not yet in the metadata this broker answers with
      }
      throw e;
    }
  }
}
