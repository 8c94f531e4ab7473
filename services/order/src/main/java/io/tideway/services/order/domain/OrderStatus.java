package io.tideway.services.order.domain;

/** Where an order stands. */
public enum OrderStatus {
  /** Placed; credit and stock not yet both reserved. */
  PENDING,
  /** Credit and stock are reserved. */
  APPROVED,
  /** Will not be fulfilled. */
  REJECTED;

  /** Whether the order may still change, its shipping address among others. */
  public boolean isOpen() {
    return this != REJECTED;
  }
}
