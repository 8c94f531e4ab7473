package io.tideway.services.order.web;

import io.tideway.services.order.domain.Order;
import io.tideway.services.order.persistence.OrderRepository;
import io.tideway.services.starter.EntityVersions;
import io.tideway.services.starter.ResourceNotFoundException;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The queries: an order by id, and a customer's orders. */
@RestController
class OrderQueryController {

  private final OrderRepository orders;

  OrderQueryController(OrderRepository orders) {
    this.orders = orders;
  }

  @GetMapping("/orders/{id}")
  @Transactional(readOnly = true)
  ResponseEntity<OrderView> order(@PathVariable UUID id) {
    Order o = orders.find(id).orElseThrow(() -> new ResourceNotFoundException("order", id));
    return ResponseEntity.ok()
        .header(HttpHeaders.ETAG, EntityVersions.etag(o.version()))
        .body(OrderView.of(o));
  }

  /** A customer's orders, oldest first; an unknown customer has none. */
  @GetMapping("/orders")
  @Transactional(readOnly = true)
  List<OrderView> ordersOfCustomer(
      @RequestParam UUID customerId,
      @RequestParam(defaultValue = "100") @Min(1) @Max(1000) int limit) {
    return orders.findByCustomer(customerId, limit).stream().map(OrderView::of).toList();
  }
}
