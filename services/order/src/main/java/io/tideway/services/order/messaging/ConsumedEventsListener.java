package io.tideway.services.order.messaging;

import io.tideway.services.order.application.IncomingEvents;
import io.tideway.services.starter.InboundEvents;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Consumes the customer and inventory events, a polled batch in one database transaction (see
 * {@link InboundEvents#handleBatch}). A record that cannot be decoded, or has no event id, goes to
 * the service's dead-letter topic at once; one whose effect fails is retried with backoff first
 * (see the starter). Offsets are committed after the effect, so a crash redelivers, and the event
 * id makes the redelivery harmless.
 */
@Component
class ConsumedEventsListener {

  private final IncomingEvents incoming;
  private final InboundEvents inbound;

  ConsumedEventsListener(IncomingEvents incoming, InboundEvents inbound) {
    this.incoming = incoming;
    this.inbound = inbound;
  }

  /** The catalogue's topics, unless {@code tideway.order.*-events-topic} names others. */
  @KafkaListener(
      topics = {
        "#{environment['tideway.order.customer-events-topic']"
            + " ?: T(io.tideway.topics.Topics).CUSTOMER_EVENTS.name()}",
        "#{environment['tideway.order.inventory-events-topic']"
            + " ?: T(io.tideway.topics.Topics).INVENTORY_EVENTS.name()}"
      },
      batch = "true")
  void onEvents(List<ConsumerRecord<String, byte[]>> records) {
    inbound.handleBatch(records, "tideway.order.events", incoming::apply);
  }
}
