package io.tideway.outbox;

import io.tideway.contracts.common.Address;
import io.tideway.contracts.customer.CustomerAddressChanged;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.testkit.TestDatabase;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** Events of the real contracts, and a test database as a data source. */
final class Fixtures {

  static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  private Fixtures() {}

  static CustomerCreated customerCreated(UUID customerId) {
    return customerCreated(customerId, "Ada Lovelace");
  }

  static CustomerCreated customerCreated(UUID customerId, String name) {
    return CustomerCreated.newBuilder()
        .setCustomerId(customerId)
        .setName(name)
        .setEmail("ada@example.org")
        .setCreditLimit(new BigDecimal("1500.00"))
        .setAddress(address())
        .setCreatedAt(Instant.parse("2025-03-01T10:15:30.123Z"))
        .build();
  }

  static CustomerAddressChanged addressChanged(UUID customerId, long version) {
    return CustomerAddressChanged.newBuilder()
        .setCustomerId(customerId)
        .setCustomerVersion(version)
        .setAddress(address())
        .setChangedAt(Instant.parse("2025-03-02T08:00:00Z"))
        .build();
  }

  private static Address address() {
    return Address.newBuilder()
        .setStreet("12 St James's Square")
        .setCity("London")
        .setPostalCode("SW1Y 4JH")
        .setCountry("GB")
        .build();
  }

  static DataSource dataSource(TestDatabase db) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(db.jdbcUrl());
    dataSource.setUser(db.user());
    dataSource.setPassword(db.password());
    return dataSource;
  }
}
