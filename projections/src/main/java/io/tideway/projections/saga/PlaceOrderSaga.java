package io.tideway.projections.saga;

import io.tideway.contracts.common.StockLine;
import io.tideway.contracts.customer.CustomerCreditRejected;
import io.tideway.contracts.customer.CustomerCreditReleased;
import io.tideway.contracts.customer.CustomerCreditReserved;
import io.tideway.contracts.inventory.StockReleased;
import io.tideway.contracts.inventory.StockReserved;
import io.tideway.contracts.inventory.StockUnavailable;
import io.tideway.contracts.order.OrderApproved;
import io.tideway.contracts.order.OrderPlaced;
import io.tideway.contracts.order.OrderRejected;
import io.tideway.contracts.saga.ApproveOrder;
import io.tideway.contracts.saga.RejectOrder;
import io.tideway.contracts.saga.ReleaseCredit;
import io.tideway.contracts.saga.ReleaseStock;
import io.tideway.contracts.saga.ReserveCredit;
import io.tideway.contracts.saga.ReserveStock;
import io.tideway.topics.Topic;
import io.tideway.topics.Topics;
import io.tideway.topology.TopologyContext;
import io.tideway.topology.TopologyProvider;
import io.tideway.topology.saga.LockPolicy;
import io.tideway.topology.saga.Saga;
import io.tideway.topology.saga.SagaCommand;
import io.tideway.topology.saga.SagaDefinition;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;

/**
 * The place-order saga (saga id and business key: the order id). Steps:
 *
 * <ol>
 *   <li>{@code create-order}: done by the {@code OrderPlaced} that starts the saga; undone by
 *       {@code RejectOrder}.
 *   <li>{@code reserve-credit}: the order total against the customer's credit limit; undone by
 *       {@code ReleaseCredit}.
 *   <li>{@code reserve-stock}: every line's units; undone by {@code ReleaseStock}.
 *   <li>{@code approve-order}: past the point of no return, resent until the order service answers.
 *       An approved order keeps its credit and stock reservations.
 * </ol>
 *
 * <p>Settings (deployment config): {@code place-order.step-timeout} (ISO-8601 duration, default
 * {@code PT10S}), {@code place-order.compensation-attempts} (default 10), {@code
 * place-order.retry-backoff} and {@code place-order.max-retry-backoff} (default {@code PT1S} and
 * {@code PT30S}). A second {@code OrderPlaced} for an order that has a saga in the store (running,
 * or ended within the retention), starts nothing: it is counted as ignored ({@code
 * duplicate-start}), as the saga id and the lock's business key are both the order id.
 */
public final class PlaceOrderSaga implements TopologyProvider {

  /** The deployment's name and application id. */
  public static final String NAME = "order-saga";

  /** The saga's name: its stores are {@code place-order-saga-*}. */
  public static final String SAGA = "place-order";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String applicationId() {
    return NAME;
  }

  @Override
  public Set<Topic<?, ?>> inputs() {
    return Set.of(Topics.ORDER_EVENTS, Topics.CUSTOMER_EVENTS, Topics.INVENTORY_EVENTS);
  }

  @Override
  public Set<Topic<?, ?>> outputs() {
    Set<Topic<?, ?>> outputs =
        new HashSet<>(
            Set.of(Topics.CUSTOMER_COMMANDS, Topics.INVENTORY_COMMANDS, Topics.ORDER_COMMANDS));
    outputs.add(Topics.sagaLifecycle(SAGA));
    return outputs;
  }

  @Override
  public Topology build(TopologyContext context) {
    StreamsBuilder builder = context.streamsBuilder();
    Saga.addTo(builder, context, definition(context));
    return builder.build();
  }

  static SagaDefinition<OrderPlaced> definition(TopologyContext context) {
    Duration timeout = duration(context, "step-timeout", "PT10S");
    return SagaDefinition.builder(SAGA, OrderPlaced.class)
        .sagaId(OrderPlaced::getOrderId)
        .lockPolicy(LockPolicy.REJECT)
        .input(Topics.ORDER_EVENTS)
        .input(Topics.INVENTORY_EVENTS)
        .rekeyedInput(Topics.CUSTOMER_EVENTS)
        .correlate(CustomerCreditReserved.class, CustomerCreditReserved::getOrderId)
        .correlate(CustomerCreditRejected.class, CustomerCreditRejected::getOrderId)
        .correlate(CustomerCreditReleased.class, CustomerCreditReleased::getOrderId)
        .correlate(StockReserved.class, StockReserved::getOrderId)
        .correlate(StockUnavailable.class, StockUnavailable::getOrderId)
        .correlate(StockReleased.class, StockReleased::getOrderId)
        .correlate(OrderApproved.class, OrderApproved::getOrderId)
        .correlate(OrderRejected.class, OrderRejected::getOrderId)
        .compensationAttempts(
            Integer.parseInt(context.setting(SAGA + ".compensation-attempts", "10")))
        .retryBackoff(
            duration(context, "retry-backoff", "PT1S"),
            duration(context, "max-retry-backoff", "PT30S"))
        .step("create-order")
        .compensation(Topics.ORDER_COMMANDS, PlaceOrderSaga::rejectOrder)
        .compensatedOn(OrderRejected.class)
        .timeout(timeout)
        .step("reserve-credit")
        .command(Topics.CUSTOMER_COMMANDS, PlaceOrderSaga::reserveCredit)
        .succeedsOn(CustomerCreditReserved.class)
        .failsOn(CustomerCreditRejected.class, CustomerCreditRejected::getReason)
        .compensation(Topics.CUSTOMER_COMMANDS, PlaceOrderSaga::releaseCredit)
        .compensatedOn(CustomerCreditReleased.class)
        .timeout(timeout)
        .step("reserve-stock")
        .command(Topics.INVENTORY_COMMANDS, PlaceOrderSaga::reserveStock)
        .succeedsOn(StockReserved.class)
        .failsOn(
            StockUnavailable.class,
            u ->
                "product "
                    + u.getProductId()
                    + ": "
                    + u.getRequested()
                    + " requested, "
                    + u.getAvailable()
                    + " available")
        .compensation(Topics.INVENTORY_COMMANDS, PlaceOrderSaga::releaseStock)
        .compensatedOn(StockReleased.class)
        .timeout(timeout)
        .step("approve-order")
        .command(Topics.ORDER_COMMANDS, PlaceOrderSaga::approveOrder)
        .succeedsOn(OrderApproved.class)
        .timeout(timeout)
        .retriable()
        .build();
  }

  private static ReserveCredit reserveCredit(OrderPlaced order, SagaCommand c) {
    return new ReserveCredit(
        sagaId(c),
        commandId(c),
        c.issuedAt(),
        order.getOrderId(),
        order.getCustomerId(),
        order.getTotal());
  }

  private static ReleaseCredit releaseCredit(OrderPlaced order, SagaCommand c) {
    return new ReleaseCredit(
        sagaId(c),
        commandId(c),
        c.issuedAt(),
        order.getOrderId(),
        order.getCustomerId(),
        order.getTotal());
  }

  private static ReserveStock reserveStock(OrderPlaced order, SagaCommand c) {
    return new ReserveStock(
        sagaId(c), commandId(c), c.issuedAt(), order.getOrderId(), lines(order));
  }

  private static ReleaseStock releaseStock(OrderPlaced order, SagaCommand c) {
    return new ReleaseStock(
        sagaId(c), commandId(c), c.issuedAt(), order.getOrderId(), lines(order));
  }

  private static ApproveOrder approveOrder(OrderPlaced order, SagaCommand c) {
    return new ApproveOrder(sagaId(c), commandId(c), c.issuedAt(), order.getOrderId());
  }

  private static RejectOrder rejectOrder(OrderPlaced order, SagaCommand c) {
    return new RejectOrder(sagaId(c), commandId(c), c.issuedAt(), order.getOrderId(), c.failure());
  }

  private static List<StockLine> lines(OrderPlaced order) {
    return order.getLines().stream()
        .map(line -> new StockLine(line.getProductId(), line.getQuantity()))
        .toList();
  }

  private static UUID sagaId(SagaCommand c) {
    return UUID.fromString(c.sagaId());
  }

  private static UUID commandId(SagaCommand c) {
    return UUID.fromString(c.commandId());
  }

  private static Duration duration(TopologyContext context, String key, String defaultValue) {
    return Duration.parse(context.setting(SAGA + "." + key, defaultValue));
  }
}
