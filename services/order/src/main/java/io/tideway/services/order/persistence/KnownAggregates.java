package io.tideway.services.order.persistence;

import io.tideway.services.order.domain.Address;
import io.tideway.services.order.domain.CustomerAddress;
import java.math.BigDecimal;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
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
    lockCustomers(List.of(customerId));
  }

  /**
   * {@link #lockCustomer} for each of the customers, in one statement and in the order of their
   * lock keys, so that two transactions locking some of the same customers cannot deadlock.
   */
  public void lockCustomers(Collection<UUID> customerIds) {
    long[] keys =
        customerIds.stream()
            .mapToLong(id -> id.getMostSignificantBits() ^ id.getLeastSignificantBits())
            .sorted()
            .toArray();
    jdbc.sql("SELECT pg_advisory_xact_lock(k) FROM unnest(?::bigint[]) AS k")
        .param(keys)
        .query((rs, row) -> 1)
        .list();
  }

  /** The customer's address as last heard of. */
  public Optional<CustomerAddress> customerAddress(UUID customerId) {
    return Optional.ofNullable(customerAddresses(List.of(customerId)).get(customerId));
  }

  /** The addresses last heard of of those of the customers the service knows. */
  public Map<UUID, CustomerAddress> customerAddresses(Collection<UUID> customerIds) {
    Map<UUID, CustomerAddress> addresses = new HashMap<>();
    RowCallbackHandler collect =
        rs -> {
          UUID id = rs.getObject("id", UUID.class);
          addresses.put(
              id,
              new CustomerAddress(
                  id,
                  rs.getLong("version"),
                  new Address(
                      rs.getString("street"),
                      rs.getString("city"),
                      rs.getString("postal_code"),
                      rs.getString("country"))));
        };
    jdbc.sql("SELECT * FROM known_customers WHERE id = ANY(?)")
        .param(customerIds.toArray(UUID[]::new))
        .query(collect);
    return addresses;
  }

  /**
   * Records customers' addresses, replacing what was known, in one statement.
   *
   * @param addresses at most one per customer
   */
  public void saveCustomerAddresses(Collection<CustomerAddress> addresses) {
    jdbc.sql(
            """
            INSERT INTO known_customers (id, version, street, city, postal_code, country)
            SELECT * FROM unnest(?::uuid[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[])
            ON CONFLICT (id) DO UPDATE
               SET version = excluded.version, street = excluded.street, city = excluded.city,
                   postal_code = excluded.postal_code, country = excluded.country,
                   updated_at = now()
            """)
        .params(
            addresses.stream().map(CustomerAddress::customerId).toArray(UUID[]::new),
            addresses.stream().mapToLong(CustomerAddress::customerVersion).toArray(),
            column(addresses, Address::street),
            column(addresses, Address::city),
            column(addresses, Address::postalCode),
            column(addresses, Address::country))
        .update();
  }

  private static String[] column(
      Collection<CustomerAddress> addresses, Function<Address, String> field) {
    return addresses.stream().map(a -> field.apply(a.address())).toArray(String[]::new);
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
