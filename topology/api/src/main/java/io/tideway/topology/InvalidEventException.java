package io.tideway.topology;

import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * A record that is not a valid event: its message names what is wrong and, when known, the topic,
 * partition and offset it was read from. The runtime sends it to the dead-letter topic and goes on.
 */
public class InvalidEventException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param problem what is wrong, e.g. {@code record has no 'id' header}
   * @param source where the record was read, or null when it is not known
   */
  public InvalidEventException(String problem, RecordMetadata source) {
    super(source == null ? problem : problem + " (" + describe(source) + ")");
  }

  /** The source of a record as {@code topic <t>, partition <p>, offset <o>}. */
  public static String describe(RecordMetadata source) {
    return "topic "
        + source.topic()
        + ", partition "
        + source.partition()
        + ", offset "
        + source.offset();
  }
}
