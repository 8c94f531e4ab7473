package io.tideway.services.customer.persistence;

import io.tideway.services.customer.domain.Address;
import io.tideway.services.customer.domain.Customer;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Customers in the service's own database, written in the caller's transaction. */
@Repository
public class CustomerRepository {

  private final JdbcClient jdbc;

  CustomerRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Stores a new customer. */
  public void insert(Customer c) {
    jdbc.sql(
            """
            INSERT INTO customers
              (id, name, email, credit_limit, street, city, postal_code, country, version)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        .params(
            c.id(),
            c.name(),
            c.email(),
            c.creditLimit(),
            c.address().street(),
            c.address().city(),
            c.address().postalCode(),
            c.address().country(),
            c.version())
        .update();
  }

  /** Stores a changed customer, read with {@link #find find(id, true)} in this transaction. */
  public void update(Customer c) {
    jdbc.sql(
            """
                UPDATE customers
                   SET street = ?, city = ?, postal_code = ?, country = ?, version = ?,
                       updated_at = now()
                 WHERE id = ?
                """)
        .params(
            c.address().street(),
            c.address().city(),
            c.address().postalCode(),
            c.address().country(),
            c.version(),
            c.id())
        .update();
  }

  /** The customer, locked for update until the transaction ends when {@code forUpdate}. */
  public Optional<Customer> find(UUID id, boolean forUpdate) {
    return jdbc.sql("SELECT * FROM customers WHERE id = ?" + (forUpdate ? " FOR UPDATE" : ""))
        .param(id)
        .query(CustomerRepository::customer)
        .optional();
  }

  private static Customer customer(ResultSet rs, int row) throws SQLException {
    return Customer.restore(
        rs.getObject("id", UUID.class),
        rs.getString("name"),
        rs.getString("email"),
        rs.getBigDecimal("credit_limit"),
        new Address(
            rs.getString("street"),
            rs.getString("city"),
            rs.getString("postal_code"),
            rs.getString("country")),
        rs.getLong("version"));
  }
}
