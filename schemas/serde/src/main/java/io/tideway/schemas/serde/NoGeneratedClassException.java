package io.tideway.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record read as a specific record ({@code specific.avro.reader}) whose writer schema names a
 * type with no generated class on the classpath: an event type newer than the reader's contracts. A
 * consumer that handles some types of a topic may skip it as one it does not handle.
 */
public class NoGeneratedClassException extends SerializationException {

  private static final long serialVersionUID = 1L;

  private final String typeName;

  NoGeneratedClassException(String message, String typeName) {
    super(message);
    this.typeName = typeName;
  }

  /** The full name of the writer's type, e.g. {@code io.tideway.contracts.order.OrderShipped}. */
  public String typeName() {
    return typeName;
  }
}
