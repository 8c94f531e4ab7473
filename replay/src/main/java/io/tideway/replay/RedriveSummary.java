package io.tideway.replay;

import java.time.Duration;
import java.util.Map;

/**
 * What a re-drive did.
 *
 * @param dlqTopic the dead-letter topic read
 * @param dryRun whether it only listed what it would send
 * @param progress each dead-letter partition's offsets read and records sent, at the end
 * @param filteredOut dead letters that did not match the filters
 * @param skipped dead letters that matched but could not be sent back: no original-topic header, or
 *     an original topic that no longer exists
 * @param sentByTopic records sent (in a dry run: that would be sent) per original topic
 * @param took how long it took
 */
public record RedriveSummary(
    String dlqTopic,
    boolean dryRun,
    ReplayProgress progress,
    long filteredOut,
    long skipped,
    Map<String, Long> sentByTopic,
    Duration took) {

  /** The map is copied. */
  public RedriveSummary {
    sentByTopic = Map.copyOf(sentByTopic);
  }

  /** Records sent back (in a dry run: that would be sent), over all topics. */
  public long sent() {
    return progress.written();
  }
}
