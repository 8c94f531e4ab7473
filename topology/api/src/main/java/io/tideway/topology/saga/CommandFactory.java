package io.tideway.topology.saga;

import org.apache.avro.specific.SpecificRecord;

/**
 * Makes a step's command, or its compensation, from the event that started the saga.
 *
 * @param <D> the type of that event
 */
@FunctionalInterface
public interface CommandFactory<D> {

  /**
   * The command to send.
   *
   * @param data the event that started the saga
   * @param command the saga id, command id and time to put in it
   */
  SpecificRecord create(D data, SagaCommand command);
}
