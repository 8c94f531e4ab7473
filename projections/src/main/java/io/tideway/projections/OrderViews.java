package io.tideway.projections;

import io.tideway.contracts.common.Address;
import io.tideway.contracts.order.OrderApproved;
import io.tideway.contracts.order.OrderPlaced;
import io.tideway.contracts.order.OrderRejected;
import io.tideway.contracts.order.OrderShippingAddressUpdated;
import io.tideway.projections.model.OrderView;
import io.tideway.projections.model.OrderViewLine;
import io.tideway.projections.model.ShippingAddress;
import io.tideway.topics.Topics;
import io.tideway.topology.TopologyContext;
import java.time.Instant;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The {@code order-view} read model, keyed by order id: the order as placed, its status and its
 * current shipping address. Order events are keyed by order id, so they arrive in order; still, a
 * shipping address from an older customer version never replaces a newer one, and a decided order
 * (approved or rejected) stays decided.
 */
final class OrderViews {

  /** The store. */
  static final String STORE = "order-view";

  static final String PENDING = "PENDING";
  static final String APPROVED = "APPROVED";
  static final String REJECTED = "REJECTED";

  private OrderViews() {}

  static KTable<String, OrderView> build(
      KStream<String, SpecificRecord> orderEvents, TopologyContext context) {
    return orderEvents
        .filter((orderId, event) -> isOrderChange(event), Named.as("order-view-changes"))
        .groupByKey(
            Grouped.<String, SpecificRecord>as("order-view-by-order")
                .withKeySerde(Serdes.String())
                .withValueSerde(context.valueSerde(Topics.ORDER_EVENTS)))
        .aggregate(
            () -> null,
            (orderId, event, view) -> apply(orderId, event, view),
            Named.as("order-view-apply"),
            Materialized.<String, OrderView, KeyValueStore<Bytes, byte[]>>as(STORE)
                .withKeySerde(Serdes.String())
                .withValueSerde(context.avroSerde(OrderView.class))
                // Every change goes on with its own event's headers: a cache would pass on only
                // the last of an order's changes in a commit interval, and a query of
                // customer-orders waiting for an earlier one would never see it arrive.
                .withCachingDisabled());
  }

  static boolean isOrderChange(SpecificRecord event) {
    return event instanceof OrderPlaced
        || event instanceof OrderShippingAddressUpdated
        || event instanceof OrderApproved
        || event instanceof OrderRejected;
  }

  /**
   * The view after one event; {@code view} is null before the first.
   *
   * <p>Records are made with their constructors, never copied with {@code newBuilder(other)}: that
   * copies nested records through the class's Avro model, which in the runtime's class loader for
   * the jar cannot see this jar's classes and would make them generic records.
   */
  static OrderView apply(String orderId, SpecificRecord event, OrderView view) {
    OrderView next = view == null ? empty(orderId) : copy(view);
    if (event instanceof OrderPlaced placed) {
      next.setCustomerId(placed.getCustomerId().toString());
      next.setLines(
          placed.getLines().stream()
              .map(
                  l ->
                      new OrderViewLine(
                          l.getProductId().toString(), l.getQuantity(), l.getUnitPrice()))
              .toList());
      next.setTotal(placed.getTotal());
      next.setPlacedAt(placed.getPlacedAt());
      touch(next, placed.getPlacedAt());
      // The order service publishes an update only for an address newer than the one an order was
      // placed with, so any update seen already is newer than the placement's address.
      if (placed.getShippingAddress() != null && next.getAddressVersion() == 0) {
        next.setShippingAddress(address(placed.getShippingAddress()));
      }
    } else if (event instanceof OrderShippingAddressUpdated updated) {
      if (updated.getCustomerVersion() > next.getAddressVersion()) {
        next.setShippingAddress(address(updated.getAddress()));
        next.setAddressVersion(updated.getCustomerVersion());
      }
      touch(next, updated.getUpdatedAt());
    } else if (event instanceof OrderApproved approved) {
      if (!REJECTED.equals(next.getStatus())) {
        next.setStatus(APPROVED);
      }
      touch(next, approved.getApprovedAt());
    } else if (event instanceof OrderRejected rejected) {
      if (!APPROVED.equals(next.getStatus())) {
        next.setStatus(REJECTED);
        next.setRejectionReason(rejected.getReason());
      }
      touch(next, rejected.getRejectedAt());
    }
    return next;
  }

  /**
   * Moves the view's time on to an event's, never back: an event applied late (re-driven from the
   * dead-letter topic, say) changes what it changes, but not when the view last changed.
   */
  private static void touch(OrderView view, Instant at) {
    if (at.isAfter(view.getUpdatedAt())) {
      view.setUpdatedAt(at);
    }
  }

  static ShippingAddress address(Address a) {
    return new ShippingAddress(a.getStreet(), a.getCity(), a.getPostalCode(), a.getCountry());
  }

  private static OrderView empty(String orderId) {
    return new OrderView(
        orderId, null, PENDING, List.of(), null, null, 0L, null, null, Instant.EPOCH);
  }

  private static OrderView copy(OrderView v) {
    return new OrderView(
        v.getOrderId(),
        v.getCustomerId(),
        v.getStatus(),
        v.getLines(),
        v.getTotal(),
        v.getShippingAddress(),
        v.getAddressVersion(),
        v.getRejectionReason(),
        v.getPlacedAt(),
        v.getUpdatedAt());
  }
}
