package io.tideway.services.order.application;

import io.tideway.contracts.common.Address;
import io.tideway.contracts.order.OrderApproved;
import io.tideway.contracts.order.OrderLine;
import io.tideway.contracts.order.OrderPlaced;
import io.tideway.contracts.order.OrderRejected;
import io.tideway.contracts.order.OrderShippingAddressUpdated;
import io.tideway.outbox.OutboxEvent;
import io.tideway.services.order.domain.CustomerAddress;
import io.tideway.services.order.domain.Order;
import io.tideway.services.starter.PublishedEvents;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The integration events of the order aggregate, as the outbox publishes them, and which the
 * service prepares with the registry at start.
 */
@Configuration(proxyBeanMethods = false)
final class OrderEvents {

  static final String AGGREGATE_TYPE = "order";

  private OrderEvents() {}

  /** Every event type this class makes. */
  @Bean
  static PublishedEvents publishedOrderEvents() {
    return PublishedEvents.of(
        AGGREGATE_TYPE,
        OrderPlaced.class,
        OrderShippingAddressUpdated.class,
        OrderApproved.class,
        OrderRejected.class);
  }

  static OutboxEvent placed(Order o) {
    return event(
        o,
        OrderPlaced.newBuilder()
            .setOrderId(o.id())
            .setCustomerId(o.customerId())
            .setLines(
                o.lines().stream()
                    .map(l -> new OrderLine(l.productId(), l.quantity(), l.unitPrice()))
                    .toList())
            .setTotal(o.total())
            .setShippingAddress(o.shippingAddress() == null ? null : avro(o.shippingAddress()))
            .setPlacedAt(o.placedAt())
            .build());
  }

  static OutboxEvent shippingAddressUpdated(Order o, Instant at) {
    return event(
        o,
        OrderShippingAddressUpdated.newBuilder()
            .setOrderId(o.id())
            .setCustomerId(o.customerId())
            .setAddress(avro(o.shippingAddress()))
            .setCustomerVersion(o.shippingAddress().customerVersion())
            .setUpdatedAt(at)
            .build());
  }

  static OutboxEvent approved(Order o, Instant at) {
    return event(o, new OrderApproved(o.id(), at));
  }

  static OutboxEvent rejected(Order o, String reason, Instant at) {
    return event(o, new OrderRejected(o.id(), reason, at));
  }

  private static OutboxEvent event(Order o, SpecificRecord record) {
    return OutboxEvent.of(AGGREGATE_TYPE, o.id().toString(), record);
  }

  private static Address avro(CustomerAddress a) {
    return new Address(
        a.address().street(), a.address().city(), a.address().postalCode(), a.address().country());
  }
}
