package io.tideway.services.order.messaging;

import io.tideway.services.order.application.IncomingCommands;
import io.tideway.services.starter.InboundEvents;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Consumes the order saga's commands ({@code order.commands}, unless {@code
 * tideway.service.commands-topic} names another): each is applied and answered in one transaction;
 * failures are retried, then dead-lettered (see the starter).
 */
@Component
class SagaCommandsListener {

  private final IncomingCommands commands;
  private final InboundEvents inbound;

  SagaCommandsListener(IncomingCommands commands, InboundEvents inbound) {
    this.commands = commands;
    this.inbound = inbound;
  }

  /** A group of its own: its static member id then never clashes with the events listener's. */
  @KafkaListener(
      groupId = "${spring.application.name}-commands",
      topics =
          "#{environment['tideway.service.commands-topic']"
              + " ?: T(io.tideway.topics.Topics).ORDER_COMMANDS.name()}")
  void onCommand(ConsumerRecord<String, byte[]> record) {
    inbound.handle(
        record, "tideway.order.commands", command -> commands.apply(command.id(), command.value()));
  }
}
