package io.tideway.services.customer.application;

import io.tideway.contracts.common.Address;
import io.tideway.contracts.customer.CustomerAddressChanged;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.contracts.customer.CustomerCreditRejected;
import io.tideway.contracts.customer.CustomerCreditReleased;
import io.tideway.contracts.customer.CustomerCreditReserved;
import io.tideway.outbox.OutboxEvent;
import io.tideway.services.customer.domain.Customer;
import io.tideway.services.starter.PublishedEvents;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The integration events of the customer aggregate, as the outbox publishes them, and which the
 * service prepares with the registry at start.
 */
@Configuration(proxyBeanMethods = false)
final class CustomerEvents {

  static final String AGGREGATE_TYPE = "customer";

  private CustomerEvents() {}

  /** Every event type this class makes. */
  @Bean
  static PublishedEvents publishedCustomerEvents() {
    return PublishedEvents.of(
        AGGREGATE_TYPE,
        CustomerCreated.class,
        CustomerAddressChanged.class,
        CustomerCreditReserved.class,
        CustomerCreditRejected.class,
        CustomerCreditReleased.class);
  }

  static OutboxEvent created(Customer c, Instant at) {
    return event(
        c,
        CustomerCreated.newBuilder()
            .setCustomerId(c.id())
            .setName(c.name())
            .setEmail(c.email())
            .setCreditLimit(c.creditLimit())
            .setAddress(address(c))
            .setCreatedAt(at)
            .build());
  }

  static OutboxEvent addressChanged(Customer c, Instant at) {
    return event(
        c,
        CustomerAddressChanged.newBuilder()
            .setCustomerId(c.id())
            .setCustomerVersion(c.version())
            .setAddress(address(c))
            .setChangedAt(at)
            .setAddressType(null)
            .build());
  }

  static OutboxEvent creditReserved(UUID customerId, UUID orderId, BigDecimal amount, Instant at) {
    return event(customerId, new CustomerCreditReserved(customerId, orderId, amount, at));
  }

  static OutboxEvent creditRejected(
      UUID customerId, UUID orderId, BigDecimal amount, String reason, Instant at) {
    return event(customerId, new CustomerCreditRejected(customerId, orderId, amount, reason, at));
  }

  static OutboxEvent creditReleased(UUID customerId, UUID orderId, BigDecimal amount, Instant at) {
    return event(customerId, new CustomerCreditReleased(customerId, orderId, amount, at));
  }

  private static OutboxEvent event(Customer c, SpecificRecord record) {
    return event(c.id(), record);
  }

  private static OutboxEvent event(UUID customerId, SpecificRecord record) {
    return OutboxEvent.of(AGGREGATE_TYPE, customerId.toString(), record);
  }

  private static Address address(Customer c) {
    return new Address(
        c.address().street(), c.address().city(), c.address().postalCode(), c.address().country());
  }
}
