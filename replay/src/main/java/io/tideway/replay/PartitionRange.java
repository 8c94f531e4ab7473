package io.tideway.replay;

/**
 * The offsets of one partition a tool reads: from {@code from}, up to but not including {@code to}.
 *
 * @param partition the partition
 * @param from the first offset read
 * @param to the offset reading stops at
 */
public record PartitionRange(int partition, long from, long to) {

  /**
   * The offsets in the range. An upper bound of the records in it: transaction markers, aborted
   * records and records removed by compaction or retention take offsets too.
   */
  public long count() {
    return Math.max(0, to - from);
  }
}
