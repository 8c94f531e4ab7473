package io.tideway.topology.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes from its group the static member a failed stream thread leaves behind. Kafka Streams
 * replaces a failed thread with one of a new index, hence a new static member id ({@code
 * <group.instance.id>-<index>}), and the failed thread's member stays in the group: its partitions
 * would wait for its session to time out (45 s by default) before the replacement could take them.
 */
final class FailedThreadMembers {

  private static final Logger log = LoggerFactory.getLogger(FailedThreadMembers.class);

  private static final String THREAD_INDEX = "-StreamThread-";

  /** How long a failed thread may take to close its tasks and consumer before it is given up. */
  private static final Duration THREAD_EXIT = Duration.ofMinutes(2);

  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

  private FailedThreadMembers() {}

  /**
   * Once {@code failed} has ended, removes its static member from the application's group, on a
   * thread of its own; does nothing without static membership.
   */
  static void removeOnceGone(Thread failed, Properties config, Admin admin) {
    Object instanceId =
        config.get(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG));
    String group = config.getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
    String member = instanceId == null ? null : memberOf(failed.getName(), instanceId.toString());
    if (member == null) {
      return;
    }
    Thread remover =
        new Thread(() -> remove(failed, admin, group, member), "tideway-member-removal-" + member);
    remover.setDaemon(true);
    remover.start();
  }

  /** The static member id of a stream thread, from its name; null for a thread of another kind. */
  static String memberOf(String threadName, String groupInstanceId) {
    int at = threadName.lastIndexOf(THREAD_INDEX);
    if (at < 0) {
      return null;
    }
    String index = threadName.substring(at + THREAD_INDEX.length());
    return index.isEmpty() || !index.chars().allMatch(Character::isDigit)
        ? null
        : groupInstanceId + "-" + index;
  }

  private static void remove(Thread failed, Admin admin, String group, String member) {
    try {
      failed.join(THREAD_EXIT.toMillis());
      if (failed.isAlive()) {
        log.warn("The failed stream thread of {} is still closing; its member stays", member);
        return;
      }
      admin
          .removeMembersFromConsumerGroup(
              group, new RemoveMembersFromConsumerGroupOptions(List.of(new MemberToRemove(member))))
          .all()
          .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      log.info("Removed {}, the member of a failed stream thread, from group {}", member, group);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // Its session times out in the end: the partitions only wait longer.
      log.warn("Could not remove {} from group {}: {}", member, group, e.toString());
    }
  }
}
