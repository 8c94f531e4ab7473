package io.tideway.topology.runtime;

import java.util.List;

/**
 * What {@code tideway replay reset} does, or with {@code --dry-run} would do, to a deployment.
 *
 * @param deployment the deployment's name
 * @param applicationId its Kafka Streams application id, whose group is reset
 * @param target where its inputs restart: {@code earliest} or an ISO-8601 time
 * @param dryRun whether this is only the plan
 * @param partitions each input partition's committed offset and where it restarts
 * @param internalTopics the changelog and repartition topics deleted (Kafka Streams makes them
 *     again)
 * @param stateDir the local state deleted
 */
public record ResetPlan(
    String deployment,
    String applicationId,
    String target,
    boolean dryRun,
    List<PartitionReset> partitions,
    List<String> internalTopics,
    String stateDir) {

  /**
   * One input partition.
   *
   * @param from the offset the group committed, or null when it never committed one
   * @param to where it restarts
   */
  public record PartitionReset(String topic, int partition, Long from, long to) {}
}
