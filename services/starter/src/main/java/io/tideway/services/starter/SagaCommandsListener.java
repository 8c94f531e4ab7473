package io.tideway.services.starter;

import io.tideway.services.starter.InboundEvents.Inbound;
import io.tideway.services.starter.InboundEvents.LogContext;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;

/**
 * Consumes a {@link SagaParticipant}'s commands a polled batch at a time, all of a batch applied in
 * one database transaction, a failing batch split so that only the failing command is retried (see
 * {@link InboundEvents#handleBatch}). One consumer takes every partition: two batches applied side
 * by side could lock the same rows in opposite orders. Another listener of the service that locks
 * some of the same rows in another order still can: PostgreSQL then aborts one of the two, which is
 * retried as an outage, about a second later.
 *
 * <p>A record the participant does not take as its command ({@link CommandOutcome#IGNORED}) is
 * dead-lettered at once, not acknowledged and lost.
 *
 * <p>Its consumer group is the service's name with {@code -commands}, so its static member id never
 * clashes with that of the service's events listener. Its metrics are named {@code
 * tideway.<commands topic>}.
 */
public final class SagaCommandsListener {

  private final SagaParticipant participant;
  private final InboundEvents inbound;
  private final String topic;
  private final String metric;

  SagaCommandsListener(SagaParticipant participant, InboundEvents inbound, String topic) {
    this.participant = participant;
    this.inbound = inbound;
    this.topic = topic;
    this.metric = "tideway." + participant.commands().name();
  }

  /** The topic listened to. */
  public String topic() {
    return topic;
  }

  @KafkaListener(
      id = "saga-commands",
      groupId = "${spring.application.name}-commands",
      topics = "#{__listener.topic()}",
      batch = "true",
      concurrency = "1")
  void onCommands(List<ConsumerRecord<String, byte[]>> records) {
    // A command of a type the service has no class for is refused like one it does not take.
    inbound.handleBatch(
        records, metric, commands -> commands.stream().map(this::apply).toList(), false);
  }

  private CommandOutcome apply(Inbound command) {
    try (LogContext context = command.logContext()) {
      CommandOutcome outcome = participant.apply(command.id(), command.value());
      if (outcome == CommandOutcome.IGNORED) {
        // Acknowledged, it would be lost: a saga newer than the service, or one that sent it to
        // the wrong topic, waits for a reply, and an operator can re-drive it once mended.
        throw new IllegalArgumentException(
            command.type() + " is not a command of this service, which takes those of " + topic);
      }
      return outcome;
    }
  }
}
