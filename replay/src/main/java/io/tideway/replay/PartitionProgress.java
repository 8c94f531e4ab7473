package io.tideway.replay;

/**
 * How far a tool has come in one partition.
 *
 * @param range the offsets it reads there
 * @param read offsets passed so far, at most {@code range.count()}
 * @param written records written so far (in a dry run: that would have been written)
 */
public record PartitionProgress(PartitionRange range, long read, long written) {

  /** The partition. */
  public int partition() {
    return range.partition();
  }

  /** Offsets to pass in all. */
  public long total() {
    return range.count();
  }
}
