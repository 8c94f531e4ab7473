package io.tideway.services.customer.domain;

import java.math.BigDecimal;
import java.util.Objects;
import java.util.UUID;

/**
 * Credit held for one order, as the place-order saga asks: reserved when the customer's credit
 * limit allows it, rejected otherwise, released when the saga undoes the order. An approved order
 * keeps its reservation.
 *
 * @param orderId the order; one reservation per order
 * @param customerId the customer whose credit it is
 * @param amount the amount asked for
 * @param status where it stands
 * @param reason why it was rejected, for people; null otherwise
 */
public record CreditReservation(
    UUID orderId, UUID customerId, BigDecimal amount, Status status, String reason) {

  /** Where a reservation stands. */
  public enum Status {
    /** The amount is held against the credit limit. */
    RESERVED,
    /** The limit did not allow it; nothing is held. */
    REJECTED,
    /** Given back, or released before it was ever made; nothing is held. */
    RELEASED
  }

  public CreditReservation {
    Objects.requireNonNull(orderId, "orderId");
    Objects.requireNonNull(customerId, "customerId");
    Objects.requireNonNull(status, "status");
    if (amount == null || amount.signum() < 0) {
      throw new IllegalArgumentException("The amount must be zero or more");
    }
    // What numeric(19,2) holds: a larger amount would be refused by the database instead, and
    // retried as an outage might be.
    if (amount.scale() > 2 || amount.precision() - amount.scale() > 17) {
      throw new IllegalArgumentException(
          "The amount must have at most 17 digits before the point and 2 after it, not "
              + amount.toPlainString());
    }
  }

  /**
   * Reserves {@code amount} for an order if the customer's limit allows it.
   *
   * @param held what the customer's other reservations hold
   */
  public static CreditReservation decide(
      Customer customer, UUID orderId, BigDecimal amount, BigDecimal held) {
    BigDecimal after = held.add(amount);
    if (after.compareTo(customer.creditLimit()) <= 0) {
      return new CreditReservation(orderId, customer.id(), amount, Status.RESERVED, null);
    }
    return new CreditReservation(
        orderId,
        customer.id(),
        amount,
        Status.REJECTED,
        "credit limit "
            + customer.creditLimit().toPlainString()
            + " exceeded: "
            + held.toPlainString()
            + " held, "
            + amount.toPlainString()
            + " asked");
  }

  /** A release for an order nothing was reserved for: it refuses a later reservation. */
  public static CreditReservation releasedBeforeReserved(UUID orderId, UUID customerId) {
    return new CreditReservation(
        orderId, customerId, BigDecimal.ZERO, Status.RELEASED, "released before reserved");
  }

  /** Whether this reservation holds credit. */
  public boolean holds() {
    return status == Status.RESERVED;
  }

  /** The reservation given back; what was not held stays as it is. */
  public CreditReservation release() {
    return holds()
        ? new CreditReservation(orderId, customerId, amount, Status.RELEASED, null)
        : this;
  }
}
