package io.tideway.services.order.persistence;

import io.tideway.services.order.domain.Address;
import io.tideway.services.order.domain.CustomerAddress;
import io.tideway.services.order.domain.Order;
import io.tideway.services.order.domain.OrderLine;
import io.tideway.services.order.domain.OrderStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Orders and their lines in the service's own database, written in the caller's transaction. */
@Repository
public class OrderRepository {

  private final JdbcClient jdbc;

  OrderRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Stores a new order with its lines. */
  public void insert(Order o) {
    CustomerAddress ship = o.shippingAddress();
    jdbc.sql(
            """
            INSERT INTO orders (id, customer_id, status, total, placed_at, street, city,
                                postal_code, country, address_version, version)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        .params(
            o.id(),
            o.customerId(),
            o.status().name(),
            o.total(),
            Timestamp.from(o.placedAt()),
            ship == null ? null : ship.address().street(),
            ship == null ? null : ship.address().city(),
            ship == null ? null : ship.address().postalCode(),
            ship == null ? null : ship.address().country(),
            ship == null ? null : ship.customerVersion(),
            o.version())
        .update();
    int lineNo = 0;
    for (OrderLine line : o.lines()) {
      jdbc.sql(
              """
              INSERT INTO order_lines (order_id, line_no, product_id, quantity, unit_price)
              VALUES (?, ?, ?, ?, ?)
              """)
          .params(o.id(), lineNo++, line.productId(), line.quantity(), line.unitPrice())
          .update();
    }
  }

  /** Stores an order's new shipping address. */
  public void updateShippingAddress(Order o) {
    CustomerAddress ship = o.shippingAddress();
    jdbc.sql(
            """
            UPDATE orders SET street = ?, city = ?, postal_code = ?, country = ?,
                              address_version = ?, version = ?
             WHERE id = ?
            """)
        .params(
            ship.address().street(),
            ship.address().city(),
            ship.address().postalCode(),
            ship.address().country(),
            ship.customerVersion(),
            o.version(),
            o.id())
        .update();
  }

  /** Stores an order's new status. */
  public void updateStatus(Order o) {
    jdbc.sql("UPDATE orders SET status = ?, version = ? WHERE id = ?")
        .params(o.status().name(), o.version(), o.id())
        .update();
  }

  /** An order by id, locked for update until the transaction ends. */
  public Optional<Order> findForUpdate(UUID id) {
    boolean exists =
        jdbc.sql("SELECT id FROM orders WHERE id = ? FOR UPDATE")
            .param(id)
            .query(UUID.class)
            .optional()
            .isPresent();
    return exists ? find(id) : Optional.empty();
  }

  /** An order by id. */
  public Optional<Order> find(UUID id) {
    return load("WHERE o.id = ?", id, Integer.MAX_VALUE).stream().findFirst();
  }

  /** A customer's orders, oldest first, at most {@code limit}. */
  public List<Order> findByCustomer(UUID customerId, int limit) {
    return load("WHERE o.customer_id = ?", customerId, limit);
  }

  /** The customers' orders that may still change, locked until the transaction ends. */
  public List<Order> openOrdersForUpdate(Collection<UUID> customerIds) {
    List<UUID> ids =
        jdbc.sql(
                """
                SELECT id FROM orders WHERE customer_id = ANY(?) AND status <> ?
                 ORDER BY id FOR UPDATE
                """)
            .params(customerIds.toArray(UUID[]::new), OrderStatus.REJECTED.name())
            .query(UUID.class)
            .list();
    List<Order> orders = new ArrayList<>();
    for (UUID id : ids) {
      find(id).ifPresent(orders::add);
    }
    return orders;
  }

  private List<Order> load(String where, UUID key, int limit) {
    Map<UUID, Row> rows = new LinkedHashMap<>();
    RowCallbackHandler collect =
        rs ->
            rows.computeIfAbsent(rs.getObject("id", UUID.class), ignored -> Row.of(rs))
                .lines
                .add(line(rs));
    jdbc.sql(
            """
            SELECT o.*, l.product_id, l.quantity, l.unit_price
              FROM (SELECT * FROM orders o %s ORDER BY placed_at, id LIMIT ?) o
              JOIN order_lines l ON l.order_id = o.id
             ORDER BY o.placed_at, o.id, l.line_no
            """
                .formatted(where))
        .params(key, limit)
        .query(collect);
    return rows.values().stream().map(Row::order).toList();
  }

  private static OrderLine line(ResultSet rs) throws SQLException {
    return new OrderLine(
        rs.getObject("product_id", UUID.class),
        rs.getInt("quantity"),
        rs.getBigDecimal("unit_price"));
  }

  /** One order's columns while its lines are collected. */
  private record Row(
      UUID id,
      UUID customerId,
      java.time.Instant placedAt,
      OrderStatus status,
      CustomerAddress shippingAddress,
      long version,
      List<OrderLine> lines) {

    static Row of(ResultSet rs) {
      try {
        UUID customerId = rs.getObject("customer_id", UUID.class);
        long addressVersion = rs.getLong("address_version");
        CustomerAddress ship =
            rs.wasNull()
                ? null
                : new CustomerAddress(
                    customerId,
                    addressVersion,
                    new Address(
                        rs.getString("street"),
                        rs.getString("city"),
                        rs.getString("postal_code"),
                        rs.getString("country")));
        return new Row(
            rs.getObject("id", UUID.class),
            customerId,
            rs.getTimestamp("placed_at").toInstant(),
            OrderStatus.valueOf(rs.getString("status")),
            ship,
            rs.getLong("version"),
            new ArrayList<>());
      } catch (SQLException e) {
        throw new IllegalStateException("Unreadable order row", e);
      }
    }

    Order order() {
      return Order.restore(id, customerId, lines, placedAt, status, shippingAddress, version);
    }
  }
}
