package io.tideway.services.order.application;

import io.tideway.outbox.TransactionalOutbox;
import io.tideway.services.order.domain.Order;
import io.tideway.services.order.domain.OrderLine;
import io.tideway.services.order.persistence.KnownAggregates;
import io.tideway.services.order.persistence.OrderRepository;
import io.tideway.services.starter.CommandRejectedException;
import io.tideway.services.starter.IdempotentRequests;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The order service's commands, each one transaction that changes the order and appends the event
 * announcing it to the outbox: both commit or neither does.
 */
@Service
public class OrderCommands {

  /**
   * One line of an order as the client asks for it.
   *
   * @param productId the product
   * @param quantity units
   */
  public record LineRequest(UUID productId, int quantity) {}

  private final OrderRepository orders;
  private final KnownAggregates known;
  private final TransactionalOutbox outbox;
  private final IdempotentRequests requests;
  private final Clock clock = Clock.systemUTC();

  OrderCommands(
      OrderRepository orders,
      KnownAggregates known,
      TransactionalOutbox outbox,
      IdempotentRequests requests) {
    this.orders = orders;
    this.known = known;
    this.outbox = outbox;
    this.requests = requests;
  }

  /** The largest amount the orders' table and {@code OrderPlaced} hold: 19 digits, 2 decimals. */
  static final BigDecimal LARGEST_TOTAL = new BigDecimal("99999999999999999.99");

  /**
   * Places an order at the products' current prices and publishes {@code OrderPlaced}. It ships to
   * the customer's address when the service knows the customer, and gets the address from the
   * customer's events otherwise.
   *
   * <p>With an idempotency key, the order is placed once however often the same request comes with
   * it: a retry gets the order the first placed, as it is now ({@link IdempotentRequests}).
   *
   * @param idempotencyKey the request's {@code Idempotency-Key}, or null
   * @throws CommandRejectedException 422 when the service knows none of a line's product, the total
   *     is larger than an amount is kept ({@link #LARGEST_TOTAL}), or the key came with another
   *     request before
   */
  @Transactional
  public Order place(String idempotencyKey, UUID customerId, List<LineRequest> requested) {
    UUID id = UUID.randomUUID();
    if (idempotencyKey != null) {
      Optional<UUID> placed =
          requests.claim(idempotencyKey, IdempotentRequests.fingerprint(customerId, requested), id);
      if (placed.isPresent()) {
        return orders.find(placed.get()).orElseThrow();
      }
    }
    Map<UUID, BigDecimal> prices =
        known.productPrices(requested.stream().map(LineRequest::productId).toList());
    List<OrderLine> lines = new ArrayList<>();
    for (LineRequest line : requested) {
      BigDecimal price = prices.get(line.productId());
      if (price == null) {
        throw new CommandRejectedException(
            HttpStatus.UNPROCESSABLE_CONTENT, "Unknown product " + line.productId());
      }
      lines.add(new OrderLine(line.productId(), line.quantity(), price));
    }
    known.lockCustomer(customerId);
    Order order =
        Order.place(
            id, customerId, lines, known.customerAddress(customerId).orElse(null), clock.instant());
    if (order.total().compareTo(LARGEST_TOTAL) > 0) {
      throw new CommandRejectedException(
          HttpStatus.UNPROCESSABLE_CONTENT,
          "The order's total "
              + order.total().toPlainString()
              + " is larger than the largest amount kept, "
              + LARGEST_TOTAL.toPlainString());
    }
    orders.insert(order);
    outbox.append(OrderEvents.placed(order));
    return order;
  }
}
