package io.tideway.topology.runtime.errors;

import java.util.Map;

/**
 * Counts the records an application sent to its dead-letter topic. The runtime hands one to the
 * handlers through the Streams configuration, under {@link #CONFIG}.
 */
@FunctionalInterface
public interface DeadLetterCount {

  /** The configuration key the runtime passes its count under (an object, not a string). */
  String CONFIG = "tideway.dead.letter.count";

  /**
   * Counts one record.
   *
   * @param stage where it failed: {@code deserialization}, {@code processing} or {@code production}
   */
  void record(String stage);

  /** The count in a handler's configuration, or one that counts nothing. */
  static DeadLetterCount from(Map<String, ?> configs) {
    Object count = configs.get(CONFIG);
    return count instanceof DeadLetterCount ? (DeadLetterCount) count : stage -> {};
  }
}
