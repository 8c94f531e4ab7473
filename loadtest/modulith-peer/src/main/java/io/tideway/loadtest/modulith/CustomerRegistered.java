package io.tideway.loadtest.modulith;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;
import org.springframework.modulith.events.Externalized;

/**
 * A customer was registered: the event the peer externalizes to Kafka, keyed by the customer id.
 * Its JSON form is the record's value.
 *
 * @param id the event's id, also in the answer's {@code Tideway-Event-Id} header
 * @param customerId the new customer's id
 * @param name full name
 * @param email contact address
 * @param creditLimit the credit limit
 * @param street street and house number
 * @param city city or town
 * @param postalCode postal code
 * @param country ISO 3166-1 alpha-2 code
 * @param occurredAt when the customer was registered
 */
@Externalized(CustomerRegistered.TOPIC + "::#{customerId()}")
public record CustomerRegistered(
    UUID id,
    UUID customerId,
    String name,
    String email,
    BigDecimal creditLimit,
    String street,
    String city,
    String postalCode,
    String country,
    Instant occurredAt) {

  /** The topic the events go to. */
  public static final String TOPIC = "modulith-customer.events";
}
