package io.tideway.services.inventory.application;

import io.tideway.contracts.inventory.ProductAdded;
import io.tideway.contracts.inventory.StockAdjusted;
import io.tideway.outbox.OutboxEvent;
import io.tideway.services.inventory.domain.Product;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;

/** The integration events of the product aggregate, as the outbox publishes them. */
final class InventoryEvents {

  static final String AGGREGATE_TYPE = "inventory";

  private InventoryEvents() {}

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

  private static OutboxEvent event(Product p, SpecificRecord record) {
    return OutboxEvent.of(AGGREGATE_TYPE, p.id().toString(), record);
  }
}
