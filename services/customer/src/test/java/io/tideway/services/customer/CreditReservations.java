package io.tideway.services.customer;

import io.tideway.testkit.TestDatabase;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.UUID;

/** What the customer service's database says of a customer's credit reservations. */
final class CreditReservations {

  private CreditReservations() {}

  /** The credit the customer's reservations hold. */
  static BigDecimal held(TestDatabase db, UUID customer) throws Exception {
    try (Connection connection = db.connect();
        PreparedStatement query =
            connection.prepareStatement(
                "SELECT coalesce(sum(amount), 0) FROM credit_reservations"
                    + " WHERE customer_id = ? AND status = 'RESERVED'")) {
      query.setObject(1, customer);
      try (ResultSet result = query.executeQuery()) {
        result.next();
        return result.getBigDecimal(1);
      }
    }
  }
}
