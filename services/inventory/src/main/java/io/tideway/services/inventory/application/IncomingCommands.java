package io.tideway.services.inventory.application;

import io.tideway.contracts.common.StockLine;
import io.tideway.contracts.saga.ReleaseStock;
import io.tideway.contracts.saga.ReserveStock;
import io.tideway.outbox.OutboxEvent;
import io.tideway.outbox.TransactionalOutbox;
import io.tideway.services.inventory.domain.Product;
import io.tideway.services.inventory.domain.StockReservation;
import io.tideway.services.inventory.persistence.ProductRepository;
import io.tideway.services.inventory.persistence.StockReservationRepository;
import io.tideway.services.starter.CommandOutcome;
import io.tideway.services.starter.ProcessedEvents;
import io.tideway.services.starter.SagaParticipant;
import io.tideway.topics.Topic;
import io.tideway.topics.Topics;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The order saga's commands to the inventory service: reserve the stock of every line of an order
 * (all or nothing), or put it back. Each command is applied and answered through the outbox in one
 * transaction, with the products locked in id order. A redelivered record changes nothing; a
 * command resent by the saga is answered again with the reservation as it stands. A release that
 * comes before its reservation leaves a mark that refuses the reservation when it arrives.
 */
@Service
public class IncomingCommands implements SagaParticipant {

  private final ProductRepository products;
  private final StockReservationRepository reservations;
  private final ProcessedEvents processed;
  private final TransactionalOutbox outbox;
  private final Clock clock = Clock.systemUTC();

  IncomingCommands(
      ProductRepository products,
      StockReservationRepository reservations,
      ProcessedEvents processed,
      TransactionalOutbox outbox) {
    this.products = products;
    this.reservations = reservations;
    this.processed = processed;
    this.outbox = outbox;
  }

  @Override
  public Topic<String, SpecificRecord> commands() {
    return Topics.INVENTORY_COMMANDS;
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
    if (!(command instanceof ReserveStock) && !(command instanceof ReleaseStock)) {
      return CommandOutcome.IGNORED;
    }
    if (!processed.markProcessed(recordId)) {
      return CommandOutcome.DUPLICATE;
    }
    return command instanceof ReserveStock reserve
        ? reserve(reserve)
        : release(((ReleaseStock) command).getOrderId());
  }

  private CommandOutcome reserve(ReserveStock command) {
    UUID orderId = command.getOrderId();
    Map<UUID, Integer> lines = new LinkedHashMap<>();
    for (StockLine line : command.getLines()) {
      if (line.getQuantity() <= 0) {
        throw new IllegalArgumentException(
            "order " + orderId + " asks for " + line.getQuantity() + " units of a product");
      }
      // An overflow must fail, not wrap to a small total that would pass the stock check.
      lines.merge(line.getProductId(), line.getQuantity(), Math::addExact);
    }
    if (lines.isEmpty()) {
      throw new IllegalArgumentException(
          "order " + orderId + " asks for no stock: it has no lines");
    }
    Optional<StockReservation> earlier = reservations.findForUpdate(orderId);
    if (earlier.isPresent()) {
      StockReservation r = earlier.get();
      outbox.append(
          r.status() == StockReservation.Status.RELEASED
              ? InventoryEvents.stockUnavailable(
                  new StockReservation.Shortfall(
                      command.getLines().get(0).getProductId(),
                      command.getLines().get(0).getQuantity(),
                      0),
                  orderId,
                  clock.instant())
              : reply(r));
      return CommandOutcome.REPEATED;
    }
    Map<UUID, Product> locked = products.findAllForUpdate(lines.keySet());
    StockReservation decided = StockReservation.reserve(orderId, lines, locked);
    if (decided.holds()) {
      locked.values().forEach(products::update);
    }
    reservations.save(decided);
    outbox.append(reply(decided));
    return CommandOutcome.APPLIED;
  }

  private CommandOutcome release(UUID orderId) {
    Optional<StockReservation> earlier = reservations.findForUpdate(orderId);
    if (earlier.isEmpty()) {
      StockReservation mark = StockReservation.releasedBeforeReserved(orderId);
      reservations.save(mark);
      outbox.append(InventoryEvents.stockReleased(mark, clock.instant()));
      return CommandOutcome.APPLIED;
    }
    StockReservation r = earlier.get();
    if (!r.holds()) {
      outbox.append(
          InventoryEvents.stockReleased(
              r.status() == StockReservation.Status.RELEASED
                  ? r
                  : StockReservation.releasedBeforeReserved(orderId),
              clock.instant()));
      return CommandOutcome.REPEATED;
    }
    Map<UUID, Product> locked = products.findAllForUpdate(r.lines().keySet());
    StockReservation released = r.release(locked);
    locked.values().forEach(products::update);
    reservations.save(released);
    outbox.append(InventoryEvents.stockReleased(released, clock.instant()));
    return CommandOutcome.APPLIED;
  }

  private OutboxEvent reply(StockReservation r) {
    return r.holds()
        ? InventoryEvents.stockReserved(r, clock.instant())
        : InventoryEvents.stockUnavailable(r.shortfall(), r.orderId(), clock.instant());
  }
}
