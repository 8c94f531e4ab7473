package io.tideway.services.inventory.domain;

import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Stock held for one order, as the place-order saga asks: all of its lines are taken from stock, or
 * none when a product is short; released, the units go back.
 *
 * @param orderId the order; one reservation per order
 * @param status where it stands
 * @param lines units per product, taken from stock while {@code RESERVED}
 * @param shortfall the first product found short, when {@code UNAVAILABLE}
 */
public record StockReservation(
    UUID orderId, Status status, SortedMap<UUID, Integer> lines, Shortfall shortfall) {

  /** Where a reservation stands. */
  public enum Status {
    /** Every line is taken from stock. */
    RESERVED,
    /** A product was short; nothing was taken. */
    UNAVAILABLE,
    /** Put back, or released before it was ever made; nothing is held. */
    RELEASED
  }

  /**
   * A product with fewer units than an order asked for.
   *
   * @param productId the product
   * @param requested units asked for
   * @param available units in stock (0 for a product the service does not have)
   */
  public record Shortfall(UUID productId, int requested, int available) {}

  public StockReservation {
    Objects.requireNonNull(orderId, "orderId");
    Objects.requireNonNull(status, "status");
    lines = new TreeMap<>(lines);
  }

  /**
   * Reserves every line, taking the units from the products, or none when one is short.
   *
   * @param lines units per product, at least one
   * @param products the products of the lines the service has, locked in this transaction
   */
  public static StockReservation reserve(
      UUID orderId, Map<UUID, Integer> lines, Map<UUID, Product> products) {
    if (lines.isEmpty() || lines.values().stream().anyMatch(q -> q == null || q <= 0)) {
      throw new IllegalArgumentException("A reservation needs lines of positive quantities");
    }
    SortedMap<UUID, Integer> sorted = new TreeMap<>(lines);
    for (Map.Entry<UUID, Integer> line : sorted.entrySet()) {
      Product product = products.get(line.getKey());
      if (product == null || !product.has(line.getValue())) {
        return new StockReservation(
            orderId,
            Status.UNAVAILABLE,
            sorted,
            new Shortfall(line.getKey(), line.getValue(), product == null ? 0 : product.stock()));
      }
    }
    sorted.forEach((productId, units) -> products.get(productId).take(units));
    return new StockReservation(orderId, Status.RESERVED, sorted, null);
  }

  /** A release for an order nothing was reserved for: it refuses a later reservation. */
  public static StockReservation releasedBeforeReserved(UUID orderId) {
    return new StockReservation(orderId, Status.RELEASED, new TreeMap<>(), null);
  }

  /** Whether this reservation holds stock. */
  public boolean holds() {
    return status == Status.RESERVED;
  }

  /**
   * Puts the units back into the products (locked in this transaction); a reservation that holds
   * nothing stays as it is.
   */
  public StockReservation release(Map<UUID, Product> products) {
    if (!holds()) {
      return this;
    }
    lines.forEach((productId, units) -> products.get(productId).putBack(units));
    return new StockReservation(orderId, Status.RELEASED, lines, null);
  }
}
