package io.tideway.services.order.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The order aggregate. Its shipping address is its customer's address, taken at placement when the
 * service knows the customer, and replaced whenever a newer address of the customer arrives while
 * the order is open. An address from an older customer version never replaces a newer one.
 */
public final class Order {

  private final UUID id;
  private final UUID customerId;
  private final List<OrderLine> lines;
  private final BigDecimal total;
  private final Instant placedAt;
  private OrderStatus status;
  private CustomerAddress shippingAddress;
  private long version;

  private Order(
      UUID id,
      UUID customerId,
      List<OrderLine> lines,
      Instant placedAt,
      OrderStatus status,
      CustomerAddress shippingAddress,
      long version) {
    this.id = Objects.requireNonNull(id, "id");
    this.customerId = Objects.requireNonNull(customerId, "customerId");
    if (lines == null || lines.isEmpty()) {
      throw new IllegalArgumentException("an order needs at least one line");
    }
    this.lines = List.copyOf(lines);
    this.total =
        this.lines.stream().map(OrderLine::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
    this.placedAt = Objects.requireNonNull(placedAt, "placedAt");
    this.status = Objects.requireNonNull(status, "status");
    this.shippingAddress = shippingAddress;
    this.version = version;
  }

  /**
   * A new order, {@link OrderStatus#PENDING}.
   *
   * @param customerAddress the customer's address if the service knows the customer yet, else null:
   *     the order then gets its address when the customer's events arrive
   */
  public static Order place(
      UUID id,
      UUID customerId,
      List<OrderLine> lines,
      CustomerAddress customerAddress,
      Instant placedAt) {
    if (customerAddress != null && !customerAddress.customerId().equals(customerId)) {
      throw new IllegalArgumentException("the address is of another customer");
    }
    return new Order(id, customerId, lines, placedAt, OrderStatus.PENDING, customerAddress, 1);
  }

  /** An order as stored. */
  public static Order restore(
      UUID id,
      UUID customerId,
      List<OrderLine> lines,
      Instant placedAt,
      OrderStatus status,
      CustomerAddress shippingAddress,
      long version) {
    return new Order(id, customerId, lines, placedAt, status, shippingAddress, version);
  }

  /**
   * Decides a pending order, as the place-order saga asks: it becomes {@code decision}. A decided
   * order stays as it is, whatever is asked: a saga resends its command, and the answer is then the
   * order's status as it stands.
   *
   * @param decision {@code APPROVED} or {@code REJECTED}
   * @return whether the order changed
   */
  public boolean decide(OrderStatus decision) {
    if (decision == OrderStatus.PENDING) {
      throw new IllegalArgumentException("An order is decided APPROVED or REJECTED");
    }
    if (status != OrderStatus.PENDING) {
      return false;
    }
    status = decision;
    version++;
    return true;
  }

  /**
   * Ships to the customer's newer address.
   *
   * @return false, changing nothing, when the order is closed, the address is of another customer,
   *     or it is not newer than the one the order has
   */
  public boolean shipTo(CustomerAddress address) {
    if (!status.isOpen()
        || !address.customerId().equals(customerId)
        || !address.supersedes(shippingAddress)) {
      return false;
    }
    shippingAddress = address;
    version++;
    return true;
  }

  public UUID id() {
    return id;
  }

  public UUID customerId() {
    return customerId;
  }

  public List<OrderLine> lines() {
    return lines;
  }

  /** Sum of the lines' amounts. */
  public BigDecimal total() {
    return total;
  }

  public Instant placedAt() {
    return placedAt;
  }

  public OrderStatus status() {
    return status;
  }

  /** The address it ships to with the customer version it came from; null while unknown. */
  public CustomerAddress shippingAddress() {
    return shippingAddress;
  }

  public long version() {
    return version;
  }
}
