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
import io.tideway.services.starter.ProcessedEvents;
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
public class IncomingCommands {

  /**
   * What became of a command; the tag of the {@code tideway.inventory.commands.consumed} metric.
   */
  public enum Outcome {
    /** Stock was reserved, found short or released as asked. */
    APPLIED,
    /** Decided before; the decision was sent again as the reply. */
    REPEATED,
    /** The same record again; nothing changed and nothing was sent. */
    DUPLICATE,
    /** Not a command of the inventory service. */
    IGNORED
  }

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

  /**
   * Applies one command in one transaction.
   *
   * @param recordId the record's {@code id} header
   * @param command the decoded command
   */
  @Transactional
  public Outcome apply(UUID recordId, SpecificRecord command) {
    if (!(command instanceof ReserveStock) && !(command instanceof ReleaseStock)) {
      return Outcome.IGNORED;
    }
    if (!processed.markProcessed(recordId)) {
      return Outcome.DUPLICATE;
    }
    return command instanceof ReserveStock reserve
        ? reserve(reserve)
        : release(((ReleaseStock) command).getOrderId());
  }

  private Outcome reserve(ReserveStock command) {
    UUID orderId = command.getOrderId();
    Map<UUID, Integer> lines = new LinkedHashMap<>();
    for (StockLine line : command.getLines()) {
      lines.merge(line.getProductId(), line.getQuantity(), Integer::sum);
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
      return Outcome.REPEATED;
    }
    Map<UUID, Product> locked = products.findAllForUpdate(lines.keySet());
    StockReservation decided = StockReservation.reserve(orderId, lines, locked);
    if (decided.holds()) {
      locked.values().forEach(products::update);
    }
    reservations.save(decided);
    outbox.append(reply(decided));
    return Outcome.APPLIED;
  }

  private Outcome release(UUID orderId) {
    Optional<StockReservation> earlier = reservations.findForUpdate(orderId);
    if (earlier.isEmpty()) {
      StockReservation mark = StockReservation.releasedBeforeReserved(orderId);
      reservations.save(mark);
      outbox.append(InventoryEvents.stockReleased(mark, clock.instant()));
      return Outcome.APPLIED;
    }
    StockReservation r = earlier.get();
    if (!r.holds()) {
      outbox.append(
          InventoryEvents.stockReleased(
              r.status() == StockReservation.Status.RELEASED
                  ? r
                  : StockReservation.releasedBeforeReserved(orderId),
              clock.instant()));
      return Outcome.REPEATED;
    }
    Map<UUID, Product> locked = products.findAllForUpdate(r.lines().keySet());
    StockReservation released = r.release(locked);
    locked.values().forEach(products::update);
    reservations.save(released);
    outbox.append(InventoryEvents.stockReleased(released, clock.instant()));
    return Outcome.APPLIED;
  }

  private OutboxEvent reply(StockReservation r) {
    return r.holds()
        ? InventoryEvents.stockReserved(r, clock.instant())
        : InventoryEvents.stockUnavailable(r.shortfall(), r.orderId(), clock.instant());
  }
}
