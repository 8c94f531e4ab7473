package io.tideway.services.starter;

import io.tideway.topics.Topic;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;

/**
 * A service's side of the sagas: the commands it takes and how it applies them. A service that has
 * a bean of this type gets a listener on {@link #commands()} (or on {@code
 * tideway.service.commands-topic}) in a consumer group of its own, {@code
 * <spring.application.name>-commands}, with the starter's retries and dead letters, and the metrics
 * {@code tideway.<service>.commands.consumed{type,outcome}} and {@code .failed{type}}.
 */
public interface SagaParticipant {

  /** The catalogue topic of the service's commands, e.g. {@code Topics.CUSTOMER_COMMANDS}. */
  Topic<String, SpecificRecord> commands();

  /**
   * Applies one command and appends its reply to the outbox, in the caller's transaction (the
   * listener applies a polled batch of commands in one; an implementation marked {@code
   * Transactional} joins it): a redelivered record ({@code recordId} recorded in {@link
   * ProcessedEvents}) changes nothing, and a command resent by the saga is answered again with the
   * decision as it stands. A command must see the effects of those before it in the same
   * transaction, as plain SQL does.
   *
   * @param recordId the record's {@code id} header
   * @param command the decoded command
   */
  CommandOutcome apply(UUID recordId, SpecificRecord command);
}
