package io.tideway.services.inventory.persistence;

import io.tideway.services.inventory.domain.StockReservation;
import io.tideway.services.inventory.domain.StockReservation.Shortfall;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Stock reservations in the service's own database, written in the caller's transaction. */
@Repository
public class StockReservationRepository {

  private final JdbcClient jdbc;

  StockReservationRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** The reservation of an order, if any, locked for update until the transaction ends. */
  public Optional<StockReservation> findForUpdate(UUID orderId) {
    Optional<StockReservation> header =
        jdbc.sql("SELECT * FROM stock_reservations WHERE order_id = ? FOR UPDATE")
            .param(orderId)
            .query(
                (rs, row) ->
                    new StockReservation(
                        orderId,
                        StockReservation.Status.valueOf(rs.getString("status")),
                        new TreeMap<>(),
                        rs.getObject("short_product") == null
                            ? null
                            : new Shortfall(
                                rs.getObject("short_product", UUID.class),
                                rs.getInt("requested"),
                                rs.getInt("available"))))
            .optional();
    return header.map(
        r -> {
          SortedMap<UUID, Integer> lines = new TreeMap<>();
          jdbc.sql("SELECT product_id, quantity FROM stock_reservation_lines WHERE order_id = ?")
              .param(orderId)
              .query(
                  rs -> {
                    lines.put(rs.getObject("product_id", UUID.class), rs.getInt("quantity"));
                  });
          return new StockReservation(orderId, r.status(), lines, r.shortfall());
        });
  }

  /** Stores a reservation, new or with a new status; its lines never change. */
  public void save(StockReservation r) {
    Shortfall shortfall = r.shortfall();
    jdbc.sql(
            """
            INSERT INTO stock_reservations (order_id, status, short_product, requested, available)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, updated_at = now()
            """)
        .params(
            r.orderId(),
            r.status().name(),
            shortfall == null ? null : shortfall.productId(),
            shortfall == null ? null : shortfall.requested(),
            shortfall == null ? null : shortfall.available())
        .update();
    r.lines()
        .forEach(
            (productId, units) ->
                jdbc.sql(
                        "INSERT INTO stock_reservation_lines (order_id, product_id, quantity)"
                            + " VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
                    .params(r.orderId(), productId, units)
                    .update());
  }
}
