package io.tideway.services.starter;

/**
 * A consumed record that no retry can make processable (no event id, no value, bytes that cannot be
 * decoded): sent to the dead-letter topic at once, with this message naming what is wrong.
 */
public class UnprocessableRecordException extends RuntimeException {

  /**
   * @param topic where the record came from
   * @param partition its partition
   * @param offset its offset
   * @param problem what is wrong with it
   */
  public UnprocessableRecordException(String topic, int partition, long offset, String problem) {
    this(topic, partition, offset, problem, null);
  }

  /**
   * @param topic where the record came from
   * @param partition its partition
   * @param offset its offset
   * @param problem what is wrong with it
   * @param cause what found it, or null
   */
  public UnprocessableRecordException(
      String topic, int partition, long offset, String problem, Throwable cause) {
    super(topic + "-" + partition + "@" + offset + ": " + problem, cause);
  }
}
