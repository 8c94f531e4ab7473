package io.tideway.topology.runtime;

import java.util.List;

/**
 * What {@code tideway replay rebuild} shows of a rebuild while it runs and after.
 *
 * @param deployment the deployment's name
 * @param from the application id that served when the rebuild began
 * @param to the application id the rebuild runs under
 * @param phase {@code CATCHING_UP}, {@code SWITCHING}, {@code RETIRING}, {@code DONE} or {@code
 *     FAILED}
 * @param startedAt when it began (ISO-8601)
 * @param lag records the rebuild still has to read, over all partitions
 * @param partitions per input and repartition partition: what the rebuild committed and the end
 * @param message why it failed, or what it waits for
 */
public record RebuildStatus(
    String deployment,
    String from,
    String to,
    String phase,
    String startedAt,
    long lag,
    List<PartitionProgress> partitions,
    String message) {

  /** One partition's progress: {@code end - committed} records still to read. */
  public record PartitionProgress(String topic, int partition, long committed, long end) {}

  /** Whether the rebuild has ended, done or failed. */
  public boolean ended() {
    return phase.equals("DONE") || phase.equals("FAILED");
  }
}
