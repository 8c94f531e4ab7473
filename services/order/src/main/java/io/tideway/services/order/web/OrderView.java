package io.tideway.services.order.web;

import io.tideway.services.order.domain.CustomerAddress;
import io.tideway.services.order.domain.Order;
import io.tideway.services.order.domain.OrderStatus;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An order as the service answers it.
 *
 * @param id the order id
 * @param customerId who ordered
 * @param status {@code PENDING}, {@code APPROVED} or {@code REJECTED}
 * @param lines what was ordered, at which unit price
 * @param total sum of the lines' amounts
 * @param shippingAddress where it ships; null while the service does not know the customer yet
 * @param placedAt when it was placed
 * @param version the aggregate's version
 */
public record OrderView(
    UUID id,
    UUID customerId,
    OrderStatus status,
    List<LineView> lines,
    BigDecimal total,
    AddressView shippingAddress,
    Instant placedAt,
    long version) {

  /**
   * One line.
   *
   * @param productId the product
   * @param quantity units
   * @param unitPrice price of one unit when ordered
   * @param amount quantity times unit price
   */
  public record LineView(UUID productId, int quantity, BigDecimal unitPrice, BigDecimal amount) {}

  /**
   * A shipping address.
   *
   * @param street street and house number
   * @param city city
   * @param postalCode postal code
   * @param country ISO 3166-1 alpha-2 code
   * @param customerVersion the customer version it was taken from
   */
  public record AddressView(
      String street, String city, String postalCode, String country, long customerVersion) {

    static AddressView of(CustomerAddress a) {
      return a == null
          ? null
          : new AddressView(
              a.address().street(),
              a.address().city(),
              a.address().postalCode(),
              a.address().country(),
              a.customerVersion());
    }
  }

  static OrderView of(Order o) {
    return new OrderView(
        o.id(),
        o.customerId(),
        o.status(),
        o.lines().stream()
            .map(l -> new LineView(l.productId(), l.quantity(), l.unitPrice(), l.amount()))
            .toList(),
        o.total(),
        AddressView.of(o.shippingAddress()),
        o.placedAt(),
        o.version());
  }
}
