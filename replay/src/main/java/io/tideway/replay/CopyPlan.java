package io.tideway.replay;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a copy will do, fixed before it writes anything: the offsets of each source partition, up to
 * the end offsets seen when it was planned, and where the records go.
 *
 * @param source the topic read
 * @param target the topic written
 * @param ranges the offsets read, one range per source partition, in partition order
 * @param since records with a timestamp before this time are read but not copied: a start given as
 *     a time reads from each partition's first record at or after it, and timestamps need not grow
 *     with offsets
 * @param until records with a timestamp at or after this time are read but not copied
 * @param keepsPartitions whether each record goes to the partition of the same number (the topics
 *     have as many partitions), or else to the partition the producer picks by its key
 * @param targetRetention how long the target keeps records by their timestamp, empty when it
 *     deletes none by age: copied records keep their timestamps, so those older than this are
 *     deleted at the target's next retention check
 * @param progressGroup the consumer group that holds how far this copy got, committed in each of
 *     its transactions; also its transactional id. The same copy (the same source, start, bound and
 *     target) has the same one, and goes on where an earlier run of it stopped
 * @param alreadyCopied offsets the ranges leave out because an earlier run of the same copy copied
 *     them
 * @param again whether the ranges are copied whatever earlier runs of the same copy did
 */
public record CopyPlan(
    String source,
    String target,
    List<PartitionRange> ranges,
    Optional<Instant> since,
    Optional<Instant> until,
    boolean keepsPartitions,
    Optional<Duration> targetRetention,
    String progressGroup,
    long alreadyCopied,
    boolean again) {

  /** The ranges are copied. */
  public CopyPlan {
    ranges = List.copyOf(ranges);
  }

  /** Offsets to read in all: an upper bound of the records copied. */
  public long total() {
    return ranges.stream().mapToLong(PartitionRange::count).sum();
  }
}
