package io.tideway.services.order.web;

import io.tideway.services.order.application.OrderCommands;
import io.tideway.services.order.domain.Order;
import io.tideway.services.starter.EntityVersions;
import io.tideway.services.starter.IdempotentRequests;
import jakarta.validation.Valid;
import java.net.URI;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * The commands: placing an order, at most once per {@code Idempotency-Key} when the client sends
 * one, which it then retries with until it has an answer.
 */
@RestController
class OrderCommandController {

  private final OrderCommands commands;

  OrderCommandController(OrderCommands commands) {
    this.commands = commands;
  }

  @PostMapping(path = "/orders", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<OrderView> place(
      @RequestHeader(name = IdempotentRequests.HEADER, required = false) String idempotencyKey,
      @Valid @RequestBody PlaceOrderBody body) {
    Order o =
        commands.place(
            IdempotentRequests.key(idempotencyKey),
            body.customerId(),
            body.lines().stream()
                .map(l -> new OrderCommands.LineRequest(l.productId(), l.quantity()))
                .toList());
    return ResponseEntity.created(URI.create("/orders/" + o.id()))
        .header(HttpHeaders.ETAG, EntityVersions.etag(o.version()))
        .body(OrderView.of(o));
  }
}
