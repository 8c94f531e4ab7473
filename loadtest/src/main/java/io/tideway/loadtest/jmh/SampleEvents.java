package io.tideway.loadtest.jmh;

import io.tideway.contracts.common.Address;
import io.tideway.contracts.order.OrderLine;
import io.tideway.contracts.order.OrderPlaced;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The events the schema benchmarks encode: fixed, so every run measures the same bytes. */
public final class SampleEvents {

  private SampleEvents() {}

  /**
   * A typical order: three lines with prices, the total as a decimal, a shipping address and the
   * time it was placed; 200-odd bytes of Avro.
   */
  public static OrderPlaced orderPlaced() {
    List<OrderLine> lines =
        List.of(
            line("5f0c6a8e-1b7d-4c39-9a51-3e2f7d8c9b10", 2, "19.99"),
            line("a3d4e5f6-7a8b-4c9d-8e0f-1a2b3c4d5e6f", 1, "249.00"),
            line("0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e", 12, "3.45"));
    BigDecimal total =
        lines.stream()
            .map(l -> l.getUnitPrice().multiply(BigDecimal.valueOf(l.getQuantity())))
            .reduce(BigDecimal.ZERO, BigDecimal::add);
    return OrderPlaced.newBuilder()
        .setOrderId(UUID.fromString("9c7e2b1a-4d3f-4e8a-b6c5-2f1e0d9c8b7a"))
        .setCustomerId(UUID.fromString("3e8f1a2b-c4d5-4e6f-8a9b-0c1d2e3f4a5b"))
        .setLines(lines)
        .setTotal(total)
        .setShippingAddress(
            Address.newBuilder()
                .setStreet("Hafenstraße 12")
                .setCity("Hamburg")
                .setPostalCode("20457")
                .setCountry("DE")
                .build())
        .setPlacedAt(Instant.parse("2026-11-22T09:15:30.123Z"))
        .build();
  }

  private static OrderLine line(String productId, int quantity, String unitPrice) {
    return OrderLine.newBuilder()
        .setProductId(UUID.fromString(productId))
        .setQuantity(quantity)
        .setUnitPrice(new BigDecimal(unitPrice))
        .build();
  }
}
