package io.tideway.topology.runtime.errors;

import java.util.Map;

/**
 * Counts what the handlers did with the records they were given: sent to the application's
 * dead-letter topic, or held back through an outage of the schema registry. The runtime hands one
 * to the handlers through the Streams configuration, under {@link #CONFIG}.
 */
public interface ErrorCounts {

  /** The configuration key the runtime passes its counts under (an object, not a string). */
  String CONFIG = "tideway.error.counts";

  /** Counts nothing. */
  ErrorCounts NONE =
      new ErrorCounts() {
        @Override
        public void deadLettered(String stage) {}

        @Override
        public void registryOutage(String stage) {}
      };

  /**
   * Counts one record sent to the dead-letter topic.
   *
   * @param stage where it failed: {@code deserialization}, {@code processing} or {@code production}
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
  static ErrorCounts from(Map<String, ?> configs) {
    return configs.get(CONFIG) instanceof ErrorCounts counts ? counts : NONE;
  }
}
