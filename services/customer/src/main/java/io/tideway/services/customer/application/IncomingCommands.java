package io.tideway.services.customer.application;

import io.tideway.contracts.saga.ReleaseCredit;
import io.tideway.contracts.saga.ReserveCredit;
import io.tideway.outbox.OutboxEvent;
import io.tideway.outbox.TransactionalOutbox;
import io.tideway.services.customer.domain.CreditReservation;
import io.tideway.services.customer.domain.Customer;
import io.tideway.services.customer.persistence.CreditReservationRepository;
import io.tideway.services.customer.persistence.CustomerRepository;
import io.tideway.services.starter.CommandOutcome;
import io.tideway.services.starter.ProcessedEvents;
import io.tideway.services.starter.SagaParticipant;
import io.tideway.topics.Topic;
import io.tideway.topics.Topics;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The order saga's commands to the customer service: reserve credit for an order against the
 * customer's credit limit, or release it. Each command is applied and answered through the outbox
 * in one transaction, with the customer's row locked, so concurrent orders of one customer never
 * hold more than the limit. A redelivered record changes nothing; a command resent by the saga is
 * answered again with the reservation as it stands. A release that comes before its reservation
 * (the saga timed out while the command was on its way) leaves a mark that refuses the reservation
 * when it arrives.
 */
@Service
public class IncomingCommands implements SagaParticipant {

  private final CustomerRepository customers;
  private final CreditReservationRepository reservations;
  private final ProcessedEvents processed;
  private final TransactionalOutbox outbox;
  private final Clock clock = Clock.systemUTC();

  IncomingCommands(
      CustomerRepository customers,
      CreditReservationRepository reservations,
      ProcessedEvents processed,
      TransactionalOutbox outbox) {
    this.customers = customers;
    this.reservations = reservations;
    this.processed = processed;
    this.outbox = outbox;
  }

  @Override
  public Topic<String, SpecificRecord> commands() {
    return Topics.CUSTOMER_COMMANDS;
  }

  /**
   * Applies one command, in the listener's transaction (a batch's) or, called alone, in one of its
   * own.
   *
   * @param recordId the record's {@code id} header
   * @param command the decoded command
   */
  @Override
  @Transactional
  public CommandOutcome apply(UUID recordId, SpecificRecord command) {
    if (!(command instanceof ReserveCredit) && !(command instanceof ReleaseCredit)) {
      return CommandOutcome.IGNORED;
    }
    if (!processed.markProcessed(recordId)) {
      return CommandOutcome.DUPLICATE;
    }
    return command instanceof ReserveCredit reserve
        ? reserve(reserve)
        : release((ReleaseCredit) command);
  }

  private CommandOutcome reserve(ReserveCredit command) {
    UUID orderId = command.getOrderId();
    Optional<Customer> customer = customers.find(command.getCustomerId(), true);
    if (customer.isEmpty()) {
      outbox.append(
          CustomerEvents.creditRejected(
              command.getCustomerId(),
              orderId,
              command.getAmount(),
              "unknown customer",
              clock.instant()));
      return CommandOutcome.APPLIED;
    }
    Optional<CreditReservation> earlier = reservations.find(orderId);
    if (earlier.isPresent()) {
      outbox.append(reply(earlier.get()));
      return CommandOutcome.REPEATED;
    }
    CreditReservation decided =
        CreditReservation.decide(
            customer.get(), orderId, command.getAmount(), reservations.held(customer.get().id()));
    reservations.save(decided);
    outbox.append(reply(decided));
    return CommandOutcome.APPLIED;
  }

  private CommandOutcome release(ReleaseCredit command) {
    UUID orderId = command.getOrderId();
    UUID customerId = command.getCustomerId();
    if (customers.find(customerId, true).isEmpty()) {
      outbox.append(
          CustomerEvents.creditReleased(customerId, orderId, BigDecimal.ZERO, clock.instant()));
      return CommandOutcome.APPLIED;
    }
    Optional<CreditReservation> earlier = reservations.find(orderId);
    CreditReservation released =
        earlier
            .map(CreditReservation::release)
            .orElseGet(() -> CreditReservation.releasedBeforeReserved(orderId, customerId));
    if (earlier.isEmpty() || earlier.get().holds()) {
      reservations.save(released);
    }
    BigDecimal amount =
        released.status() == CreditReservation.Status.RELEASED
            ? released.amount()
            : BigDecimal.ZERO;
    outbox.append(CustomerEvents.creditReleased(customerId, orderId, amount, clock.instant()));
    return earlier.isPresent() && !earlier.get().holds()
        ? CommandOutcome.REPEATED
        : CommandOutcome.APPLIED;
  }

  private OutboxEvent reply(CreditReservation r) {
    return switch (r.status()) {
      case RESERVED ->
          CustomerEvents.creditReserved(r.customerId(), r.orderId(), r.amount(), clock.instant());
      case REJECTED ->
          CustomerEvents.creditRejected(
              r.customerId(), r.orderId(), r.amount(), r.reason(), clock.instant());
      case RELEASED ->
          CustomerEvents.creditRejected(
              r.customerId(),
              r.orderId(),
              r.amount(),
              "the order's credit was released",
              clock.instant());
    };
  }
}
