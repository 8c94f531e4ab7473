package io.tideway.projections;

import io.tideway.contracts.customer.CustomerAddressChanged;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.projections.model.CustomerOrders;
import io.tideway.projections.model.OrderSummary;
import io.tideway.projections.model.OrderView;
import io.tideway.topics.Topics;
import io.tideway.topology.TopologyContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The {@code customer-orders} read model, keyed by customer id: the customer, the address of the
 * highest customer version seen (an older change delivered late is ignored), and the customer's
 * {@value #RECENT_ORDERS} most recent orders with their status, taken from {@code order-view} and
 * moved to the customer's partition through the repartition topic {@code
 * reference-projections-order-summaries-by-customer}.
 */
final class CustomerOrdersViews {

  /** The store. */
  static final String STORE = "customer-orders";

  /**
   * Orders kept per customer, the most recent by placement time: a read model of a customer's
   * recent orders stays small, however many orders a customer has placed, so updating it stays
   * cheap (every order update rewrites the customer's value).
   */
  static final int RECENT_ORDERS = 100;

  /** A customer's version at registration: the customer service starts every one at 1. */
  static final long REGISTERED_VERSION = 1;

  private CustomerOrdersViews() {}

  static void build(
      KStream<String, SpecificRecord> customerEvents,
      KTable<String, OrderView> orders,
      TopologyContext context) {
    KStream<String, SpecificRecord> summaries =
        orders
            .toStream(Named.as("order-view-updates"))
            .filter(
                (orderId, view) -> view != null && view.getCustomerId() != null,
                Named.as("placed-orders"))
            .map(
                (orderId, view) -> KeyValue.pair(view.getCustomerId(), summary(view)),
                Named.as("order-summary-by-customer"))
            .repartition(
                Repartitioned.<String, OrderSummary>as("order-summaries-by-customer")
                    .withKeySerde(Serdes.String())
                    .withValueSerde(context.avroSerde(OrderSummary.class)))
            .mapValues(summary -> (SpecificRecord) summary, Named.as("order-summary-as-record"));
    customerEvents
        .filter(
            (customerId, event) ->
                event instanceof CustomerCreated || event instanceof CustomerAddressChanged,
            Named.as("customer-changes"))
        .merge(summaries, Named.as("customer-and-order-changes"))
        .groupByKey(
            Grouped.<String, SpecificRecord>as("customer-orders-by-customer")
                .withKeySerde(Serdes.String())
                .withValueSerde(context.valueSerde(Topics.CUSTOMER_EVENTS)))
        .aggregate(
            () -> null,
            (customerId, change, view) -> apply(customerId, change, view),
            Named.as("customer-orders-apply"),
            Materialized.<String, CustomerOrders, KeyValueStore<Bytes, byte[]>>as(STORE)
                .withKeySerde(Serdes.String())
                .withValueSerde(context.avroSerde(CustomerOrders.class)));
  }

  /**
   * The view after one change; {@code view} is null before the first. Made with constructors, not
   * copied with {@code newBuilder(other)}, for the reason {@link OrderViews#apply} gives.
   */
  static CustomerOrders apply(String customerId, SpecificRecord change, CustomerOrders view) {
    CustomerOrders next =
        view == null
            ? new CustomerOrders(customerId, null, null, null, 0L, List.of())
            : new CustomerOrders(
                view.getCustomerId(),
                view.getName(),
                view.getEmail(),
                view.getAddress(),
                view.getCustomerVersion(),
                view.getOrders());
    if (change instanceof CustomerCreated created) {
      next.setName(created.getName());
      next.setEmail(created.getEmail());
      if (REGISTERED_VERSION > next.getCustomerVersion()) {
        next.setAddress(OrderViews.address(created.getAddress()));
        next.setCustomerVersion(REGISTERED_VERSION);
      }
    } else if (change instanceof CustomerAddressChanged changed) {
      if (changed.getCustomerVersion() > next.getCustomerVersion()) {
        next.setAddress(OrderViews.address(changed.getAddress()));
        next.setCustomerVersion(changed.getCustomerVersion());
      }
    } else if (change instanceof OrderSummary summary) {
      List<OrderSummary> orders = new ArrayList<>(next.getOrders());
      orders.removeIf(o -> o.getOrderId().equals(summary.getOrderId()));
      orders.add(summary);
      orders.sort(Comparator.comparing(OrderSummary::getPlacedAt));
      next.setOrders(
          orders.size() <= RECENT_ORDERS
              ? orders
              : new ArrayList<>(orders.subList(orders.size() - RECENT_ORDERS, orders.size())));
    }
    return next;
  }

  private static OrderSummary summary(OrderView view) {
    return new OrderSummary(
        view.getOrderId(),
        view.getCustomerId(),
        view.getStatus(),
        view.getTotal(),
        view.getPlacedAt());
  }
}
