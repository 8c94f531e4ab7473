package io.tideway.outbox;

/**
 * An event was refused before anything was written: its record does not match its schema, the
 * schema could not be registered or found in the schema registry, or its payload is over the size
 * limit. The message names the event type, the event id, the aggregate and the cause. The caller's
 * transaction is untouched and may go on or roll back.
 */
public class OutboxException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message what was refused and why
   * @param cause the serializer's or registry's error, or null
   */
  public OutboxException(String message, Throwable cause) {
    super(message, cause);
  }
}
