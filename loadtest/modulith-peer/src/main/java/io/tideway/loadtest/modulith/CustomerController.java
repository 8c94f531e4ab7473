package io.tideway.loadtest.modulith;

import jakarta.validation.Valid;
import java.math.BigDecimal;
import java.net.URI;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /customers}: 201 with the customer and, in {@value #EVENT_ID}, the id of the event
 * that announces it. A body that breaks a rule gets 400 and publishes nothing.
 */
@RestController
class CustomerController {

  /** The answer's header naming the published event, as Tideway's services send it. */
  static final String EVENT_ID = "Tideway-Event-Id";

  private final CustomerRegistration registration;

  CustomerController(CustomerRegistration registration) {
    this.registration = registration;
  }

  @PostMapping(path = "/customers", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<CustomerView> register(@Valid @RequestBody RegisterCustomerBody body) {
    CustomerRegistered event = registration.register(body);
    return ResponseEntity.created(URI.create("/customers/" + event.customerId()))
        .header(EVENT_ID, event.id().toString())
        .body(
            new CustomerView(
                event.customerId(),
                event.name(),
                event.email(),
                event.creditLimit(),
                body.address()));
  }

  /**
   * A registered customer as the peer answers it.
   *
   * @param id the customer id
   * @param name full name
   * @param email contact address
   * @param creditLimit the credit limit
   * @param address the address
   */
  record CustomerView(
      UUID id,
      String name,
      String email,
      BigDecimal creditLimit,
      RegisterCustomerBody.Address address) {}
}
