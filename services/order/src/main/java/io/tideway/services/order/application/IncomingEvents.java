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
import io.tideway.services.starter.InboundEvents.Inbound;
import io.tideway.services.starter.InboundEvents.LogContext;
import io.tideway.services.starter.ProcessedEvents;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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

  /** What {@code known_products} holds: {@code numeric(19,2)} and {@code varchar(200)}. */
  private static final int PRICE_INTEGER_DIGITS = 17;

  private static final int NAME_LENGTH = 200;

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
   * Applies a batch of events, in order and in the caller's transaction, with a handful of
   * statements for the whole batch rather than several per event: their ids recorded, their
   * customers locked and read, the addresses learnt saved, those customers' open orders moved. Each
   * event has the effect it would have alone, one after the other: an order moves once for each
   * newer address, with a {@code ShippingAddressUpdated} each time.
   *
   * @return what came of each event, in order
   */
  @Transactional
  public List<Outcome> apply(List<Inbound> events) {
    Set<UUID> unapplied =
        processed.markProcessed(
            events.stream().filter(e -> consumed(e.value())).map(Inbound::id).toList());
    List<UUID> customers =
        events.stream()
            .filter(e -> unapplied.contains(e.id()))
            .map(e -> addressIn(e.value()))
            .filter(Objects::nonNull)
            .map(CustomerAddress::customerId)
            .distinct()
            .toList();
    Map<UUID, CustomerAddress> newest = new HashMap<>();
    if (!customers.isEmpty()) {
      known.lockCustomers(customers);
      newest.putAll(known.customerAddresses(customers));
    }
    List<Learnt> learnt = new ArrayList<>();
    List<Outcome> outcomes = new ArrayList<>(events.size());
    for (Inbound event : events) {
      outcomes.add(apply(event, unapplied, newest, learnt));
    }
    if (!learnt.isEmpty()) {
      shipOpenOrders(learnt);
      known.saveCustomerAddresses(
          learnt.stream().map(l -> newest.get(l.address().customerId())).distinct().toList());
    }
    return outcomes;
  }

  /** An address learnt from an event, whose trace the orders it moves carry on. */
  private record Learnt(CustomerAddress address, Inbound event) {}

  /**
   * One event's outcome; a product is saved at once, a newer address only noted in {@code newest}
   * and {@code learnt}.
   */
  private Outcome apply(
      Inbound event, Set<UUID> unapplied, Map<UUID, CustomerAddress> newest, List<Learnt> learnt) {
    if (!consumed(event.value())) {
      return Outcome.IGNORED;
    }
    // Removed, so that the same event twice in one batch counts as a duplicate the second time.
    if (!unapplied.remove(event.id())) {
      return Outcome.DUPLICATE;
    }
    if (event.value() instanceof ProductAdded product) {
      checkProduct(product);
      known.saveProduct(product.getProductId(), product.getName(), product.getPrice());
      return Outcome.APPLIED;
    }
    CustomerAddress address = addressIn(event.value());
    if (!address.supersedes(newest.get(address.customerId()))) {
      return Outcome.STALE;
    }
    newest.put(address.customerId(), address);
    learnt.add(new Learnt(address, event));
    return Outcome.APPLIED;
  }

  /**
   * Refuses, for good, a product no order could be placed for or the table cannot hold: refused by
   * the database instead, it would be retried as an outage might be, and a negative price taken in
   * would fail every order for the product.
   */
  private static void checkProduct(ProductAdded product) {
    String problem = null;
    BigDecimal price = product.getPrice();
    if (price.signum() < 0) {
      problem = "a negative price, " + price;
    } else if (price.precision() - price.scale() > PRICE_INTEGER_DIGITS) {
      problem = "a price of more than " + PRICE_INTEGER_DIGITS + " digits before the point";
    } else if (product.getName().length() > NAME_LENGTH) {
      problem = "a name longer than " + NAME_LENGTH + " characters";
    } else if (product.getName().chars().anyMatch(Character::isISOControl)) {
      problem = "a control character in its name";
    }
    if (problem != null) {
      throw new IllegalArgumentException(
          "ProductAdded of " + product.getProductId() + " has " + problem);
    }
  }

  /**
   * Moves the customers' open orders to each address learnt, in the order learnt; each move's event
   * in the trace of the event it learnt the address from.
   */
  private void shipOpenOrders(List<Learnt> learnt) {
    Map<UUID, List<Order>> open = new HashMap<>();
    for (Order order :
        orders.openOrdersForUpdate(learnt.stream().map(l -> l.address().customerId()).toList())) {
      open.computeIfAbsent(order.customerId(), id -> new ArrayList<>()).add(order);
    }
    Set<Order> moved = new LinkedHashSet<>();
    for (Learnt l : learnt) {
      for (Order order : open.getOrDefault(l.address().customerId(), List.of())) {
        if (order.shipTo(l.address())) {
          moved.add(order);
          try (LogContext context = l.event().logContext()) {
            outbox.append(OrderEvents.shippingAddressUpdated(order, clock.instant()));
          }
        }
      }
    }
    moved.forEach(orders::updateShippingAddress);
  }

  private static boolean consumed(SpecificRecord event) {
    return event instanceof ProductAdded || addressIn(event) != null;
  }

  /** The address a customer event carries, or null for any other event. */
  private static CustomerAddress addressIn(SpecificRecord event) {
    if (event instanceof CustomerCreated created) {
      return new CustomerAddress(
          created.getCustomerId(),
          CustomerAddress.REGISTERED_VERSION,
          address(created.getAddress()));
    }
    if (event instanceof CustomerAddressChanged changed) {
      return new CustomerAddress(
          changed.getCustomerId(), changed.getCustomerVersion(), address(changed.getAddress()));
    }
    return null;
  }

  private static Address address(io.tideway.contracts.common.Address a) {
    return new Address(a.getStreet(), a.getCity(), a.getPostalCode(), a.getCountry());
  }
}
