package io.tideway.replay;

import java.util.List;

/**
 * How far a copy or a re-drive has come, reported about once a second and once more at the end.
 *
 * @param topic the topic being read
 * @param partitions each partition read, in partition order
 * @param finished whether every partition was read to its end
 */
public record ReplayProgress(String topic, List<PartitionProgress> partitions, boolean finished) {

  /** A snapshot: the list is copied. */
  public ReplayProgress {
    partitions = List.copyOf(partitions);
  }

  /** Offsets passed so far, over all partitions. */
  public long read() {
    return partitions.stream().mapToLong(PartitionProgress::read).sum();
  }

  /** Offsets to pass in all. */
  public long total() {
    return partitions.stream().mapToLong(PartitionProgress::total).sum();
  }

  /** Records written so far, over all partitions. */
  public long written() {
    return partitions.stream().mapToLong(PartitionProgress::written).sum();
  }
}
