package io.tideway.services.order.application;

import io.tideway.contracts.saga.ApproveOrder;
import io.tideway.contracts.saga.RejectOrder;
import io.tideway.outbox.TransactionalOutbox;
import io.tideway.services.order.domain.Order;
import io.tideway.services.order.domain.OrderStatus;
import io.tideway.services.order.persistence.OrderRepository;
import io.tideway.services.starter.CommandOutcome;
import io.tideway.services.starter.ProcessedEvents;
import io.tideway.services.starter.ResourceNotFoundException;
import io.tideway.services.starter.SagaParticipant;
import io.tideway.topics.Topic;
import io.tideway.topics.Topics;
import java.time.Clock;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The order saga's commands to the order service: approve or reject a pending order, replying with
 * {@code OrderApproved} or {@code OrderRejected} through the outbox in the same transaction. A
 * redelivered record changes nothing; a command resent by the saga (a new record, the same command)
 * changes nothing either, but is answered again with the order's status as it stands.
 */
@Service
public class IncomingCommands implements SagaParticipant {

  private final OrderRepository orders;
  private final ProcessedEvents processed;
  private final TransactionalOutbox outbox;
  private final Clock clock = Clock.systemUTC();

  IncomingCommands(OrderRepository orders, ProcessedEvents processed, TransactionalOutbox outbox) {
    this.orders = orders;
    this.processed = processed;
    this.outbox = outbox;
  }

  @Override
  public Topic<String, SpecificRecord> commands() {
    return Topics.ORDER_COMMANDS;
  }

  /**
   * Applies one command, in the listener's transaction (a batch's) or, called alone, in one of its
   * own.
   *
   * @param recordId the record's {@code id} header
   * @param command the decoded command
   * @throws ResourceNotFoundException when the order does not exist (dead-lettered at once)
   */
  @Override
  @Transactional
  public CommandOutcome apply(UUID recordId, SpecificRecord command) {
    UUID orderId;
    OrderStatus decision;
    String reason = null;
    if (command instanceof ApproveOrder approve) {
      orderId = approve.getOrderId();
      decision = OrderStatus.APPROVED;
    } else if (command instanceof RejectOrder reject) {
      orderId = reject.getOrderId();
      decision = OrderStatus.REJECTED;
      reason = reject.getReason();
    } else {
      return CommandOutcome.IGNORED;
    }
    if (!processed.markProcessed(recordId)) {
      return CommandOutcome.DUPLICATE;
    }
    Order order =
        orders
            .findForUpdate(orderId)
            .orElseThrow(() -> new ResourceNotFoundException("order", orderId));
    boolean changed = order.decide(decision);
    if (changed) {
      orders.updateStatus(order);
    }
    outbox.append(
        order.status() == OrderStatus.APPROVED
            ? OrderEvents.approved(order, clock.instant())
            : OrderEvents.rejected(
                order, reason == null ? "rejected before" : reason, clock.instant()));
    return changed ? CommandOutcome.APPLIED : CommandOutcome.REPEATED;
  }
}
