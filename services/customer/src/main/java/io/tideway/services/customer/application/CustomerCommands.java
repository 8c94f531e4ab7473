package io.tideway.services.customer.application;

import io.tideway.outbox.TransactionalOutbox;
import io.tideway.services.customer.domain.Address;
import io.tideway.services.customer.domain.Customer;
import io.tideway.services.customer.persistence.CustomerRepository;
import io.tideway.services.starter.CommandRejectedException;
import io.tideway.services.starter.IdempotentRequests;
import io.tideway.services.starter.PreconditionFailedException;
import io.tideway.services.starter.ResourceNotFoundException;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import java.util.function.LongPredicate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The customer service's commands, each one transaction that changes the customer and appends the
 * event announcing it to the outbox: both commit or neither does.
 */
@Service
public class CustomerCommands {

  private static final String KIND = "customer";

  private final CustomerRepository customers;
  private final TransactionalOutbox outbox;
  private final IdempotentRequests requests;
  private final Clock clock;

  CustomerCommands(
      CustomerRepository customers, TransactionalOutbox outbox, IdempotentRequests requests) {
    this.customers = customers;
    this.outbox = outbox;
    this.requests = requests;
    this.clock = Clock.systemUTC();
  }

  /**
   * Registers a new customer and publishes {@code CustomerCreated}; with an idempotency key, once
   * however often the same request comes with it, a retry getting the customer the first
   * registered, as it is now ({@link IdempotentRequests}).
   *
   * @param idempotencyKey the request's {@code Idempotency-Key}, or null
   * @throws CommandRejectedException 422 when the key came with another request before
   */
  @Transactional
  public Customer register(
      String idempotencyKey, String name, String email, BigDecimal creditLimit, Address address) {
    UUID id = UUID.randomUUID();
    if (idempotencyKey != null) {
      Optional<UUID> registered =
          requests.claim(
              idempotencyKey,
              IdempotentRequests.fingerprint(name, email, creditLimit, address),
              id);
      if (registered.isPresent()) {
        return customers.find(registered.get(), false).orElseThrow();
      }
    }
    Customer customer = Customer.register(id, name, email, creditLimit, address);
    customers.insert(customer);
    outbox.append(CustomerEvents.created(customer, clock.instant()));
    return customer;
  }

  /**
   * Moves a customer to a new address and publishes {@code CustomerAddressChanged} with the
   * customer's new version; the same address again changes nothing and publishes nothing.
   *
   * @param expectedVersion the versions the client's {@code If-Match} accepts
   * @throws ResourceNotFoundException when there is no such customer
   * @throws PreconditionFailedException when the customer is at a version {@code expectedVersion}
   *     does not accept
   */
  @Transactional
  public Customer changeAddress(UUID id, LongPredicate expectedVersion, Address address) {
    Customer customer =
        customers.find(id, true).orElseThrow(() -> new ResourceNotFoundException(KIND, id));
    long readVersion = customer.version();
    if (!expectedVersion.test(readVersion)) {
      throw new PreconditionFailedException(KIND, id, readVersion);
    }
    if (customer.changeAddress(address)) {
      customers.update(customer);
      outbox.append(CustomerEvents.addressChanged(customer, clock.instant()));
    }
    return customer;
  }
}
