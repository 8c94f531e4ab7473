package io.tideway.topology.runtime.errors;

import java.util.Map;

/**
 * Counts the records that went to the application's dead-letter topic, and those held back through
 * an outage of the schema registry. The runtime hands one to the handlers through the Streams
 * configuration, under {@link #CONFIG}, and to its producer, which counts the dead letters: only
 * those the dead-letter topic holds, acknowledged by the broker and, under exactly-once, in a
 * transaction that committed, as a letter of an aborted transaction is written again when its input
 * is read again.
 */
public interface ErrorCounts {

  /** The configuration key the runtime passes its counts under (an object, not a string). */
  String CONFIG = "tideway.error.counts";

  /**
   * The header of each dead letter the handlers write, naming where its record failed ({@code
   * deserialization}, {@code processing} or {@code production}): what the runtime's producer counts
   * it by. A record a topology sends to its dead-letter topic itself (a saga's) has none, and
   * counts as {@value #OWN_STAGE}. A re-drive drops it with the other {@code tideway.dead-letter.}
   * headers.
   */
  String STAGE_HEADER = "tideway.dead-letter.stage";

  /** The stage of a dead letter without {@link #STAGE_HEADER}: the topology wrote it itself. */
  String OWN_STAGE = "topology";

  /** Counts nothing. */
  ErrorCounts NONE =
      new ErrorCounts() {
        @Override
        public void deadLettered(String stage) {}

        @Override
        public void registryOutage(String stage) {}
      };

  /**
   * Counts one dead letter the dead-letter topic holds.
   *
   * @param stage where its record failed: {@code deserialization}, {@code processing}, {@code
   *     production}, or {@value #OWN_STAGE}
   */
  void deadLettered(String stage);

  /**
   * Counts one stream thread failed because the schema registry could not serve, so that its record
   * is read again from the last commit rather than dead-lettered.
   *
   * @param stage where it met the outage, as for {@link #deadLettered}
   */
  void registryOutage(String stage);

  /** The counts in a handler's configuration, or {@link #NONE}. */
  static ErrorCounts from(Map<?, ?> configs) {
    return configs.get(CONFIG) instanceof ErrorCounts counts ? counts : NONE;
  }
}
