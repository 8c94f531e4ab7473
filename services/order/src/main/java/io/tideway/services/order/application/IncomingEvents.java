package io.tideway.services.order.application;

import io.tideway.contracts.customer.CustomerAddressChanged;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.contracts.inventory.ProductAdded;
import io.tideway.outbox.TransactionalOutbox;
import io.tideway.services.order.domain.Address;
import io.tideway.services.order.domain.CustomerAddress;
import io.tideway.services.order.domain.Order;
import io.tideway.services.order.persistence.KnownAggregates;
import io.tideway.services.order.persistence.OrderRepository;
import io.tideway.services.starter.ProcessedEvents;
import java.time.Clock;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Applies the customer and inventory events the order service consumes, each exactly once: the
 * event's id is recorded in the same transaction as its effect, so a redelivered event changes
 * nothing. A customer's address replaces the known one, and the shipping address of the customer's
 * open orders, only when it comes from a newer customer version, so an older change delivered after
 * a newer one is ignored.
 */
@Service
public class IncomingEvents {

  /** What became of an event; the tag of the {@code tideway.order.events.consumed} metric. */
  public enum Outcome {
    /** Its effect was applied. */
    APPLIED,
    /** Applied before; nothing changed. */
    DUPLICATE,
    /** Older than what the service knows; nothing changed. */
    STALE,
    /** Of a type the service does not need. */
    IGNORED
  }

  private final KnownAggregates known;
  private final ProcessedEvents processed;
  private final OrderRepository orders;
  private final TransactionalOutbox outbox;
  private final Clock clock = Clock.systemUTC();

  IncomingEvents(
      KnownAggregates known,
      ProcessedEvents processed,
      OrderRepository orders,
      TransactionalOutbox outbox) {
    this.known = known;
    this.processed = processed;
    this.orders = orders;
    this.outbox = outbox;
  }

  /**
   * Applies one event, in the caller's transaction if there is one.
   *
   * @param eventId the event's id (header {@code id}), what duplicates are recognised by
   * @param event the decoded event
   */
  @Transactional
  public Outcome apply(UUID eventId, SpecificRecord event) {
    CustomerAddress address;
    if (event instanceof CustomerCreated created) {
      address =
          new CustomerAddress(
              created.getCustomerId(),
              CustomerAddress.REGISTERED_VERSION,
              address(created.getAddress()));
    } else if (event instanceof CustomerAddressChanged changed) {
      address =
          new CustomerAddress(
              changed.getCustomerId(), changed.getCustomerVersion(), address(changed.getAddress()));
    } else if (event instanceof ProductAdded product) {
      if (!processed.markProcessed(eventId)) {
        return Outcome.DUPLICATE;
      }
      known.saveProduct(product.getProductId(), product.getName(), product.getPrice());
      return Outcome.APPLIED;
    } else {
      return Outcome.IGNORED;
    }
    if (!processed.markProcessed(eventId)) {
      return Outcome.DUPLICATE;
    }
    return learn(address);
  }

  private Outcome learn(CustomerAddress address) {
    known.lockCustomer(address.customerId());
    if (!address.supersedes(known.customerAddress(address.customerId()).orElse(null))) {
      return Outcome.STALE;
    }
    known.saveCustomerAddress(address);
    for (Order order : orders.openOrdersForUpdate(address.customerId())) {
      if (order.shipTo(address)) {
        orders.updateShippingAddress(order);
        outbox.append(OrderEvents.shippingAddressUpdated(order, clock.instant()));
      }
    }
    return Outcome.APPLIED;
  }

  private static Address address(io.tideway.contracts.common.Address a) {
    return new Address(a.getStreet(), a.getCity(), a.getPostalCode(), a.getCountry());
  }
}
