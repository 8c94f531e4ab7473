package io.tideway.services.customer.persistence;

import io.tideway.services.customer.domain.CreditReservation;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Credit reservations in the service's own database, written in the caller's transaction. */
@Repository
public class CreditReservationRepository {

  private final JdbcClient jdbc;

  CreditReservationRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** The reservation of an order, if any. */
  public Optional<CreditReservation> find(UUID orderId) {
    return jdbc.sql("SELECT * FROM credit_reservations WHERE order_id = ?")
        .param(orderId)
        .query(CreditReservationRepository::reservation)
        .optional();
  }

  /** What a customer's reservations hold in total. */
  public BigDecimal held(UUID customerId) {
    return jdbc.sql(
            "SELECT coalesce(sum(amount), 0) FROM credit_reservations"
                + " WHERE customer_id = ? AND status = 'RESERVED'")
        .param(customerId)
        .query(BigDecimal.class)
        .single();
  }

  /** Stores a reservation, new or changed. */
  public void save(CreditReservation r) {
    jdbc.sql(
            """
            INSERT INTO credit_reservations (order_id, customer_id, amount, status, reason)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (order_id) DO UPDATE
               SET status = excluded.status, reason = excluded.reason, updated_at = now()
            """)
        .params(r.orderId(), r.customerId(), r.amount(), r.status().name(), r.reason())
        .update();
  }

  private static CreditReservation reservation(ResultSet rs, int row) throws SQLException {
    return new CreditReservation(
        rs.getObject("order_id", UUID.class),
        rs.getObject("customer_id", UUID.class),
        rs.getBigDecimal("amount"),
        CreditReservation.Status.valueOf(rs.getString("status")),
        rs.getString("reason"));
  }
}
