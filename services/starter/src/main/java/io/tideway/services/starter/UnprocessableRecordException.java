package io.tideway.services.starter;

/**
 * A consumed record that no retry can make processable (no event id, no value): sent to the
 * dead-letter topic at once, with this message naming what is wrong.
 */
public class UnprocessableRecordException extends RuntimeException {

  /**
   * @param topic where the record came from
   * @param partition its partition
   * @param offset its offset
   * @param problem what is wrong with it
   */
  public UnprocessableRecordException(String topic, int partition, long offset, String problem) {
    super(topic + "-" + partition + "@" + offset + ": " + problem);
  }
}
