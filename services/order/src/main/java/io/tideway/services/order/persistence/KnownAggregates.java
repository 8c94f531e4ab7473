package io.tideway.services.order.persistence;

import io.tideway.services.order.domain.Address;
import io.tideway.services.order.domain.CustomerAddress;
import java.math.BigDecimal;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * What the service knows of customers and products, learnt from their services' events, and the ids
 * of the events already applied.
 */
@Repository
public class KnownAggregates {

  private final JdbcClient jdbc;

  KnownAggregates(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Serializes this transaction with every other one about the same customer until it ends, so an
   * order placed while the customer's address changes cannot miss the change. A transaction-scoped
   * advisory lock also covers a customer the service has no row for yet.
   */
  public void lockCustomer(UUID customerId) {
    jdbc.sql("SELECT pg_advisory_xact_lock(?)")
        .param(customerId.getMostSignificantBits() ^ customerId.getLeastSignificantBits())
        .query((rs, row) -> 1)
        .single();
  }

  /** The customer's address as last heard of. */
  public Optional<CustomerAddress> customerAddress(UUID customerId) {
    return jdbc.sql("SELECT * FROM known_customers WHERE id = ?")
        .param(customerId)
        .query(
            (rs, row) ->
                new CustomerAddress(
                    customerId,
                    rs.getLong("version"),
                    new Address(
                        rs.getString("street"),
                        rs.getString("city"),
                        rs.getString("postal_code"),
                        rs.getString("country"))))
        .optional();
  }

  /** Records a customer's address, replacing what was known. */
  public void saveCustomerAddress(CustomerAddress a) {
    jdbc.sql(
            """
            INSERT INTO known_customers (id, version, street, city, postal_code, country)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE
               SET version = excluded.version, street = excluded.street, city = excluded.city,
                   postal_code = excluded.postal_code, country = excluded.country,
                   updated_at = now()
            """)
        .params(
            a.customerId(),
            a.customerVersion(),
            a.address().street(),
            a.address().city(),
            a.address().postalCode(),
            a.address().country())
        .update();
  }

  /** The prices of those of the products the service knows. */
  public Map<UUID, BigDecimal> productPrices(Collection<UUID> productIds) {
    Map<UUID, BigDecimal> prices = new HashMap<>();
    RowCallbackHandler collect =
        rs -> prices.put(rs.getObject("id", UUID.class), rs.getBigDecimal("price"));
    jdbc.sql("SELECT id, price FROM known_products WHERE id = ANY(?)")
        .param(productIds.toArray(UUID[]::new))
        .query(collect);
    return prices;
  }

  /** Records a product's name and price, replacing what was known. */
  public void saveProduct(UUID id, String name, BigDecimal price) {
    jdbc.sql(
            """
            INSERT INTO known_products (id, name, price) VALUES (?, ?, ?)
            ON CONFLICT (id) DO UPDATE
               SET name = excluded.name, price = excluded.price, updated_at = now()
            """)
        .params(id, name, price)
        .update();
  }
}
