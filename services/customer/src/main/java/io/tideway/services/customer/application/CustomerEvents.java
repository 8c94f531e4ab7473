package io.tideway.services.customer.application;

import io.tideway.contracts.common.Address;
import io.tideway.contracts.customer.CustomerAddressChanged;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.outbox.OutboxEvent;
import io.tideway.services.customer.domain.Customer;
import java.time.Instant;

/** The integration events of the customer aggregate, as the outbox publishes them. */
final class CustomerEvents {

  static final String AGGREGATE_TYPE = "customer";

  private CustomerEvents() {}

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

  private static OutboxEvent event(Customer c, org.apache.avro.specific.SpecificRecord record) {
    return OutboxEvent.of(AGGREGATE_TYPE, c.id().toString(), record);
  }

  private static Address address(Customer c) {
    return new Address(
        c.address().street(), c.address().city(), c.address().postalCode(), c.address().country());
  }
}
