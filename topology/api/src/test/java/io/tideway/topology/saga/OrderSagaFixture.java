package io.tideway.topology.saga;

import io.tideway.contracts.common.StockLine;
import io.tideway.contracts.customer.CustomerCreditRejected;
import io.tideway.contracts.customer.CustomerCreditReleased;
import io.tideway.contracts.customer.CustomerCreditReserved;
import io.tideway.contracts.inventory.StockReleased;
import io.tideway.contracts.inventory.StockReserved;
import io.tideway.contracts.inventory.StockUnavailable;
import io.tideway.contracts.order.OrderApproved;
import io.tideway.contracts.order.OrderLine;
import io.tideway.contracts.order.OrderPlaced;
import io.tideway.contracts.order.OrderRejected;
import io.tideway.contracts.saga.ApproveOrder;
import io.tideway.contracts.saga.RejectOrder;
import io.tideway.contracts.saga.ReleaseCredit;
import io.tideway.contracts.saga.ReleaseStock;
import io.tideway.contracts.saga.ReserveCredit;
import io.tideway.contracts.saga.ReserveStock;
import io.tideway.topics.Topics;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A place-order saga over the reference contracts, for the engine's tests. */
final class OrderSagaFixture {

  static final Duration STEP_TIMEOUT = Duration.ofSeconds(10);

  /** An order total whose credit cannot be reserved: the command factory throws, as a bug would. */
  static final BigDecimal UNRESERVABLE = new BigDecimal("-1.00");

  /** An order total whose credit is reserved but cannot be released: that factory throws. */
  static final BigDecimal UNRELEASABLE = new BigDecimal("-2.00");

  /** An order total whose credit command the factory makes without its customer, a bug too. */
  static final BigDecimal INCOMPLETE = new BigDecimal("-3.00");

  static final int COMPENSATION_ATTEMPTS = 3;

  private OrderSagaFixture() {}

  /** Locked per order (the saga id) or, to test the lock, per customer. */
  static SagaDefinition<OrderPlaced> definition(LockPolicy policy, boolean lockPerCustomer) {
    return SagaDefinition.builder("place-order", OrderPlaced.class)
        .sagaId(OrderPlaced::getOrderId)
        .businessKey(lockPerCustomer ? OrderPlaced::getCustomerId : OrderPlaced::getOrderId)
        .lockPolicy(policy)
        .input(Topics.ORDER_EVENTS)
        .input(Topics.INVENTORY_EVENTS)
        .rekeyedInput(Topics.CUSTOMER_EVENTS)
        // The tests send replies keyed by the lock's key themselves: only their saga id matters.
        .correlate(
            CustomerCreditReserved.class,
            CustomerCreditReserved::getOrderId,
            CustomerCreditReserved::getOrderId)
        .correlate(
            CustomerCreditRejected.class,
            CustomerCreditRejected::getOrderId,
            CustomerCreditRejected::getOrderId)
        .correlate(
            CustomerCreditReleased.class,
            CustomerCreditReleased::getOrderId,
            CustomerCreditReleased::getOrderId)
        .correlate(StockReserved.class, StockReserved::getOrderId, StockReserved::getOrderId)
        .correlate(
            StockUnavailable.class, StockUnavailable::getOrderId, StockUnavailable::getOrderId)
        .correlate(StockReleased.class, StockReleased::getOrderId, StockReleased::getOrderId)
        .correlate(OrderApproved.class, OrderApproved::getOrderId, OrderApproved::getOrderId)
        .correlate(OrderRejected.class, OrderRejected::getOrderId, OrderRejected::getOrderId)
        .compensationAttempts(COMPENSATION_ATTEMPTS)
        .retryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(4))
        .step("create-order")
        .compensation(
            Topics.ORDER_COMMANDS,
            (o, c) ->
                new RejectOrder(
                    id(c.sagaId()), id(c.commandId()), c.issuedAt(), o.getOrderId(), "no"))
        .compensatedOn(OrderRejected.class)
        .step("reserve-credit")
        .command(
            Topics.CUSTOMER_COMMANDS,
            (o, c) ->
                new ReserveCredit(
                    id(unless(o, UNRESERVABLE, c.sagaId())),
                    id(c.commandId()),
                    c.issuedAt(),
                    o.getOrderId(),
                    o.getTotal().compareTo(INCOMPLETE) == 0 ? null : o.getCustomerId(),
                    o.getTotal()))
        .succeedsOn(CustomerCreditReserved.class)
        .failsOn(CustomerCreditRejected.class, CustomerCreditRejected::getReason)
        .compensation(
            Topics.CUSTOMER_COMMANDS,
            (o, c) ->
                new ReleaseCredit(
                    id(unless(o, UNRELEASABLE, c.sagaId())),
                    id(c.commandId()),
                    c.issuedAt(),
                    o.getOrderId(),
                    o.getCustomerId(),
                    o.getTotal()))
        .compensatedOn(CustomerCreditReleased.class)
        .compensationFailsOn(CustomerCreditRejected.class, CustomerCreditRejected::getReason)
        .timeout(STEP_TIMEOUT)
        .step("reserve-stock")
        .command(
            Topics.INVENTORY_COMMANDS,
            (o, c) ->
                new ReserveStock(
                    id(c.sagaId()), id(c.commandId()), c.issuedAt(), o.getOrderId(), lines(o)))
        .succeedsOn(StockReserved.class)
        .failsOn(StockUnavailable.class, u -> "only " + u.getAvailable() + " left")
        .compensation(
            Topics.INVENTORY_COMMANDS,
            (o, c) ->
                new ReleaseStock(
                    id(c.sagaId()), id(c.commandId()), c.issuedAt(), o.getOrderId(), lines(o)))
        .compensatedOn(StockReleased.class)
        .timeout(STEP_TIMEOUT)
        .step("approve-order")
        .command(
            Topics.ORDER_COMMANDS,
            (o, c) ->
                new ApproveOrder(id(c.sagaId()), id(c.commandId()), c.issuedAt(), o.getOrderId()))
        .succeedsOn(OrderApproved.class)
        .timeout(STEP_TIMEOUT)
        .retriable()
        .build();
  }

  static OrderPlaced placed(UUID orderId, UUID customerId) {
    return placed(orderId, customerId, new BigDecimal("10.00"));
  }

  static OrderPlaced placed(UUID orderId, UUID customerId, BigDecimal total) {
    return new OrderPlaced(
        orderId,
        customerId,
        List.of(new OrderLine(UUID.randomUUID(), 2, new BigDecimal("5.00"))),
        total,
        null,
        Instant.EPOCH);
  }

  /** {@code value}, unless the order's total is {@code poisoned}: then the factory throws. */
  private static String unless(OrderPlaced order, BigDecimal poisoned, String value) {
    if (order.getTotal().compareTo(poisoned) == 0) {
      throw new IllegalStateException("cannot make a command for a total of " + poisoned);
    }
    return value;
  }

  static CustomerCreditReserved creditReserved(UUID orderId, UUID customerId) {
    return new CustomerCreditReserved(customerId, orderId, new BigDecimal("10.00"), Instant.EPOCH);
  }

  static CustomerCreditRejected creditRejected(UUID orderId, UUID customerId) {
    return new CustomerCreditRejected(
        customerId, orderId, new BigDecimal("10.00"), "limit exceeded", Instant.EPOCH);
  }

  static CustomerCreditReleased creditReleased(UUID orderId, UUID customerId) {
    return new CustomerCreditReleased(customerId, orderId, new BigDecimal("10.00"), Instant.EPOCH);
  }

  static StockReserved stockReserved(UUID orderId) {
    return new StockReserved(orderId, List.of(), Instant.EPOCH);
  }

  static StockUnavailable stockUnavailable(UUID orderId) {
    return new StockUnavailable(orderId, UUID.randomUUID(), 2, 1, Instant.EPOCH);
  }

  static StockReleased stockReleased(UUID orderId) {
    return new StockReleased(orderId, List.of(), Instant.EPOCH);
  }

  static OrderApproved approved(UUID orderId) {
    return new OrderApproved(orderId, Instant.EPOCH);
  }

  static OrderRejected rejected(UUID orderId) {
    return new OrderRejected(orderId, "no", Instant.EPOCH);
  }

  private static List<StockLine> lines(OrderPlaced order) {
    return order.getLines().stream()
        .map(l -> new StockLine(l.getProductId(), l.getQuantity()))
        .toList();
  }

  private static UUID id(String text) {
    return UUID.fromString(text);
  }
}
