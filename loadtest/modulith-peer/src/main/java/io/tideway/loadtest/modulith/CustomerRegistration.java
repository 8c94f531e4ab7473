package io.tideway.loadtest.modulith;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Registers customers: the customer's row and the publication of its event commit together, the
 * publication recorded by Spring Modulith's registry in this transaction.
 */
@Service
class CustomerRegistration {

  private static final String INSERT =
      "INSERT INTO customer (id, name, email, credit_limit, street, city, postal_code, country,"
          + " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

  private final JdbcTemplate jdbc;
  private final ApplicationEventPublisher events;
  private final Clock clock = Clock.systemUTC();

  CustomerRegistration(JdbcTemplate jdbc, ApplicationEventPublisher events) {
    this.jdbc = jdbc;
    this.events = events;
  }

  @Transactional
  CustomerRegistered register(RegisterCustomerBody body) {
    Instant now = clock.instant();
    RegisterCustomerBody.Address address = body.address();
    CustomerRegistered event =
        new CustomerRegistered(
            UUID.randomUUID(),
            UUID.randomUUID(),
            body.name(),
            body.email(),
            body.creditLimit(),
            address.street(),
            address.city(),
            address.postalCode(),
            address.country(),
            now);
    jdbc.update(
        INSERT,
        event.customerId(),
        event.name(),
        event.email(),
        event.creditLimit(),
        event.street(),
        event.city(),
        event.postalCode(),
        event.country(),
        Timestamp.from(now));
    events.publishEvent(event);
    return event;
  }
}
