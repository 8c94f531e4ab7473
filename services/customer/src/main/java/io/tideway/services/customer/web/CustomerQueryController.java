package io.tideway.services.customer.web;

import io.tideway.services.customer.domain.Customer;
import io.tideway.services.customer.persistence.CreditReservationRepository;
import io.tideway.services.customer.persistence.CustomerRepository;
import io.tideway.services.starter.EntityVersions;
import io.tideway.services.starter.ResourceNotFoundException;
import java.math.BigDecimal;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** The queries: a customer by id, with its version as the {@code ETag}, and its credit. */
@RestController
class CustomerQueryController {

  private final CustomerRepository customers;
  private final CreditReservationRepository reservations;

  CustomerQueryController(CustomerRepository customers, CreditReservationRepository reservations) {
    this.customers = customers;
    this.reservations = reservations;
  }

  @GetMapping("/customers/{id}")
  @Transactional(readOnly = true)
  ResponseEntity<CustomerView> customer(@PathVariable UUID id) {
    Customer c =
        customers.find(id, false).orElseThrow(() -> new ResourceNotFoundException("customer", id));
    return ResponseEntity.ok()
        .header(HttpHeaders.ETAG, EntityVersions.etag(c.version()))
        .body(CustomerView.of(c));
  }

  /** The customer's credit as the order saga's reservations leave it. */
  @GetMapping("/customers/{id}/credit")
  @Transactional(readOnly = true)
  CreditView credit(@PathVariable UUID id) {
    Customer c =
        customers.find(id, false).orElseThrow(() -> new ResourceNotFoundException("customer", id));
    BigDecimal reserved = reservations.held(id);
    return new CreditView(id, c.creditLimit(), reserved, c.creditLimit().subtract(reserved));
  }
}
