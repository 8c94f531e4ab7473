package io.tideway.services.customer.web;

import io.tideway.services.customer.application.CustomerCommands;
import io.tideway.services.customer.domain.Customer;
import io.tideway.services.starter.EntityVersions;
import io.tideway.services.starter.IdempotentRequests;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The commands: registering a customer, at most once per {@code Idempotency-Key} when the client
 * sends one, and changing an address.
 */
@RestController
@RequestMapping(path = "/customers", consumes = MediaType.APPLICATION_JSON_VALUE)
class CustomerCommandController {

  private final CustomerCommands commands;

  CustomerCommandController(CustomerCommands commands) {
    this.commands = commands;
  }

  @PostMapping
  ResponseEntity<CustomerView> register(
      @RequestHeader(name = IdempotentRequests.HEADER, required = false) String idempotencyKey,
      @Valid @RequestBody RegisterCustomerBody body) {
    Customer c =
        commands.register(
            IdempotentRequests.key(idempotencyKey),
            body.name(),
            body.email(),
            body.creditLimit(),
            body.address().toDomain());
    return ResponseEntity.created(URI.create("/customers/" + c.id()))
        .header(HttpHeaders.ETAG, EntityVersions.etag(c.version()))
        .body(CustomerView.of(c));
  }

  /** Honours {@code If-Match}: a stale version is refused with 412; no header means any. */
  @PutMapping("/{id}/address")
  ResponseEntity<CustomerView> changeAddress(
      @PathVariable UUID id,
      @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch,
      @Valid @RequestBody AddressBody body) {
    Customer c = commands.changeAddress(id, EntityVersions.ifMatch(ifMatch), body.toDomain());
    return ResponseEntity.ok()
        .header(HttpHeaders.ETAG, EntityVersions.etag(c.version()))
        .body(CustomerView.of(c));
  }
}
