package io.tideway.services.order.application;

import io.tideway.contracts.saga.ApproveOrder;
import io.tideway.contracts.saga.RejectOrder;
import io.tideway.outbox.TransactionalOutbox;
import io.tideway.services.order.domain.Order;
import io.tideway.services.order.domain.OrderStatus;
import io.tideway.services.order.persistence.OrderRepository;
import io.tideway.services.starter.ProcessedEvents;
import io.tideway.services.starter.ResourceNotFoundException;
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
public class IncomingCommands {

  /** What became of a command; the tag of the {@code tideway.order.commands.consumed} metric. */
  public enum Outcome {
    /** The order was decided as asked. */
    APPLIED,
    /** The order was already decided; its status was sent again as the reply. */
    REPEATED,
    /** The same record again; nothing changed and nothing was sent. */
    DUPLICATE,
    /** Not a command of the order service. */
    IGNORED
  }

  private final OrderRepository orders;
  private final ProcessedEvents processed;
  private final TransactionalOutbox outbox;
  private final Clock clock = Clock.systemUTC();

  IncomingCommands(OrderRepository orders, ProcessedEvents processed, TransactionalOutbox outbox) {
    this.orders = orders;
    this.processed = processed;
    this.outbox = outbox;
  }

  /**
   * Applies one command in one transaction.
   *
   * @param recordId the record's {@code id} header
   * @param command the decoded command
   * @throws ResourceNotFoundException when the order does not exist (retried, then dead-lettered)
   */
  @Transactional
  public Outcome apply(UUID recordId, SpecificRecord command) {
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
      return Outcome.IGNORED;
    }
    if (!processed.markProcessed(recordId)) {
      return Outcome.DUPLICATE;
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
    return changed ? Outcome.APPLIED : Outcome.REPEATED;
  }
}
