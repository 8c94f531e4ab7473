package io.tideway.services.starter;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;

/**
 * Consumes a {@link SagaParticipant}'s commands: each is decoded and applied in its own
 * transaction; failures are retried, then dead-lettered (see {@link ServiceAutoConfiguration}). Its
 * consumer group is the service's name with {@code -commands}, so its static member id never
 * clashes with that of the service's events listener.
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
      topics = "#{__listener.topic()}")
  void onCommand(ConsumerRecord<String, byte[]> record) {
    inbound.handle(record, metric, command -> participant.apply(command.id(), command.value()));
  }
}
