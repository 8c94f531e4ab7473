package io.tideway.services.order.domain;

import java.math.BigDecimal;
import java.util.Objects;
import java.util.UUID;

/**
 * One product of an order, at the price of the moment it was ordered.
 *
 * @param productId the product
 * @param quantity units, always positive
 * @param unitPrice price of one unit, two decimals
 */
public record OrderLine(UUID productId, int quantity, BigDecimal unitPrice) {

  public OrderLine {
    Objects.requireNonNull(productId, "productId");
    Objects.requireNonNull(unitPrice, "unitPrice");
    if (quantity <= 0) {
      throw new IllegalArgumentException("quantity must be positive");
    }
    if (unitPrice.signum() < 0) {
      throw new IllegalArgumentException("unitPrice must not be negative");
    }
    unitPrice = unitPrice.setScale(2);
  }

  /** Quantity times unit price. */
  public BigDecimal amount() {
    return unitPrice.multiply(BigDecimal.valueOf(quantity));
  }
}
