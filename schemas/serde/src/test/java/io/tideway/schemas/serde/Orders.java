package io.tideway.schemas.serde;

import io.tideway.schemas.serde.fixtures.Order;
import io.tideway.schemas.serde.fixtures.OrderLine;
import io.tideway.schemas.serde.fixtures.OrderStatus;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Test records. */
final class Orders {

  private Orders() {}

  static Order order(String id) {
    return Order.newBuilder()
        .setId(id)
        .setCustomer(null)
        .setTotal(new BigDecimal("1234.50"))
        .setStatus(OrderStatus.PAID)
        .setLines(
            List.of(
                OrderLine.newBuilder().setSku("SKU-1").setQuantity(2).build(),
                OrderLine.newBuilder().setSku("SKU-2").setQuantity(1).build()))
        .setAttributes(Map.of("channel", "web"))
        .setPlacedAt(Instant.parse("2026-01-02T03:04:05.678Z"))
        .build();
  }
}
