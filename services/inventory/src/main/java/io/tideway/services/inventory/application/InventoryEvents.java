package io.tideway.services.inventory.application;

import io.tideway.contracts.common.StockLine;
import io.tideway.contracts.inventory.ProductAdded;
import io.tideway.contracts.inventory.StockAdjusted;
import io.tideway.contracts.inventory.StockReleased;
import io.tideway.contracts.inventory.StockReserved;
import io.tideway.contracts.inventory.StockUnavailable;
import io.tideway.outbox.OutboxEvent;
import io.tideway.services.inventory.domain.Product;
import io.tideway.services.inventory.domain.StockReservation;
import io.tideway.services.starter.PublishedEvents;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The integration events of the product aggregate, as the outbox publishes them, and which the
 * service prepares with the registry at start.
 */
@Configuration(proxyBeanMethods = false)
final class InventoryEvents {

  static final String AGGREGATE_TYPE = "inventory";

  private InventoryEvents() {}

  /** Every event type this class makes. */
  @Bean
  static PublishedEvents publishedInventoryEvents() {
    return PublishedEvents.of(
        AGGREGATE_TYPE,
        ProductAdded.class,
        StockAdjusted.class,
        StockReserved.class,
        StockUnavailable.class,
        StockReleased.class);
  }

  static OutboxEvent added(Product p, Instant at) {
    return event(
        p,
        ProductAdded.newBuilder()
            .setProductId(p.id())
            .setSku(p.sku())
            .setName(p.name())
            .setPrice(p.price())
            .setStock(p.stock())
            .setAddedAt(at)
            .build());
  }

  static OutboxEvent stockAdjusted(Product p, Instant at) {
    return event(
        p,
        StockAdjusted.newBuilder()
            .setProductId(p.id())
            .setStock(p.stock())
            .setAdjustedAt(at)
            .build());
  }

  static OutboxEvent stockReserved(StockReservation r, Instant at) {
    return reservation(r.orderId(), new StockReserved(r.orderId(), lines(r), at));
  }

  static OutboxEvent stockUnavailable(
      StockReservation.Shortfall shortfall, UUID orderId, Instant at) {
    return reservation(
        orderId,
        new StockUnavailable(
            orderId, shortfall.productId(), shortfall.requested(), shortfall.available(), at));
  }

  static OutboxEvent stockReleased(StockReservation r, Instant at) {
    return reservation(r.orderId(), new StockReleased(r.orderId(), lines(r), at));
  }

  private static List<StockLine> lines(StockReservation r) {
    return r.lines().entrySet().stream()
        .map(line -> new StockLine(line.getKey(), line.getValue()))
        .toList();
  }

  private static OutboxEvent event(Product p, SpecificRecord record) {
    return OutboxEvent.of(AGGREGATE_TYPE, p.id().toString(), record);
  }

  /** Reservation events are keyed by order id, the reservation's id. */
  private static OutboxEvent reservation(UUID orderId, SpecificRecord record) {
    return OutboxEvent.of(AGGREGATE_TYPE, orderId.toString(), record);
  }
}
