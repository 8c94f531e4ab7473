package io.tideway.outbox.relay;

/** The relay cannot go on: a topic it needs cannot be created, Kafka refused a record, and such. */
public final class RelayException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  RelayException(String message, Throwable cause) {
    super(message, cause);
  }
}
