package io.tideway.replay;

import java.time.Duration;

/**
 * What a copy did.
 *
 * @param plan what it was asked to do
 * @param progress each partition's offsets read and records copied, at the end
 * @param leftOut records read but not copied because their timestamp was at or after {@link
 *     CopyPlan#until()}
 * @param took how long it took
 */
public record CopySummary(CopyPlan plan, ReplayProgress progress, long leftOut, Duration took) {

  /** Records copied, over all partitions. */
  public long copied() {
    return progress.written();
  }
}
