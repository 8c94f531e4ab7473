package io.tideway.services.customer.web;

import io.tideway.services.customer.domain.Customer;
import java.math.BigDecimal;
import java.util.UUID;

/**
 * A customer as the service answers it.
 *
 * @param id the customer id
 * @param name full name
 * @param email contact address
 * @param creditLimit the credit limit
 * @param address the current address
 * @param version the aggregate's version, also the {@code ETag}
 */
public record CustomerView(
    UUID id, String name, String email, BigDecimal creditLimit, AddressBody address, long version) {

  static CustomerView of(Customer c) {
    return new CustomerView(
        c.id(), c.name(), c.email(), c.creditLimit(), AddressBody.of(c.address()), c.version());
  }
}
