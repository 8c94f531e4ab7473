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
 * @param pastDeduplication of those, the records whose original is older than the deduplication
 *     window of Tideway's consumers by default ({@link RedriveSummary#DEDUPLICATION_WINDOW}): those
 *     that processed the original may have forgotten its id, and apply it again
 * @param took how long it took
 */
public record RedriveSummary(
    String dlqTopic,
    boolean dryRun,
    ReplayProgress progress,
    long filteredOut,
    long skipped,
    Map<String, Long> sentByTopic,
    long pastDeduplication,
    Duration took) {

  /**
   * How long Tideway's consumers remember the ids they processed unless set otherwise: {@code
   * Deduplicate}'s retention, and the services' processed-events table (written out here, as the
   * replay needs no more of them; its test reads {@code Deduplicate}'s).
   */
  public static final Duration DEDUPLICATION_WINDOW = Duration.ofDays(7);

  /** The map is copied. */
  public RedriveSummary {
    sentByTopic = Map.copyOf(sentByTopic);
  }

  /** Records sent back (in a dry run: that would be sent), over all topics. */
  public long sent() {
    return progress.written();
  }
}
