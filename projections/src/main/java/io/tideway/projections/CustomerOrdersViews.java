package io.tideway.projections;

import io.tideway.contracts.customer.CustomerAddressChanged;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.projections.model.CustomerOrders;
import io.tideway.projections.model.OrderSummary;
import io.tideway.projections.model.OrderView;
import io.tideway.topology.TopologyContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code customer-orders} read model, keyed by customer id: the customer, the address of the
 * highest customer version seen (an older change delivered late is ignored), and the customer's
 * {@value #RECENT_ORDERS} most recent orders with their status, taken from {@code order-view} and
 * moved to the customer's partition through the repartition topic {@code
 * reference-projections-order-summaries-by-customer}.
 *
 * <p>The store is versioned: it keeps each customer's earlier values for {@value
 * #HISTORY_RETENTION} (7 days unless set), stamped with the event time of the change, so a query
 * can ask what the read model said at a past time ({@code asOf}).
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

  private static final Logger log = LoggerFactory.getLogger(CustomerOrdersViews.class);

  private CustomerOrdersViews() {}

  /** The setting that sets how long {@value #STORE} keeps each customer's earlier values. */
  static final String HISTORY_RETENTION = "customer-orders.history-retention";

  static void build(
      StreamsBuilder builder,
      KStream<String, SpecificRecord> customerEvents,
      KTable<String, OrderView> orders,
      TopologyContext context) {
    Duration history =
        Duration.parse(context.setting(HISTORY_RETENTION, DEFAULT_HISTORY.toString()));
    builder.addStateStore(
        Stores.versionedKeyValueStoreBuilder(
            context.versionedStore(STORE, history),
            Serdes.String(),
            context.avroSerde(CustomerOrders.class)));
    KStream<String, SpecificRecord> summaries =
        orders
            .toStream(Named.as("order-view-updates"))
            .filter(
                (orderId, view) -> view != null && view.getCustomerId() != null,
                Named.as("placed-orders"))
            .process(SummaryByCustomer::new, Named.as("order-summary-by-customer"))
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
        .process(Apply::new, Named.as("customer-orders-apply"), STORE);
  }

  /** History kept unless {@value #HISTORY_RETENTION} says otherwise. */
  static final Duration DEFAULT_HISTORY = Duration.ofDays(7);

  /**
   * An order's summary, keyed by its customer and stamped with the event time of the order's latest
   * event, as its update of {@code order-view} carries it, so the customer's history changes when
   * the order did. Not with the times the events state: a placement time that cannot be true was
   * replaced by its record's ({@link PlacedAtTimestamps}), and one days ahead would move the
   * versioned store's time so far that it would drop other customers' changes as too old.
   */
  private static final class SummaryByCustomer
      implements Processor<String, OrderView, String, OrderSummary> {

    private ProcessorContext<String, OrderSummary> context;

    @Override
    public void init(ProcessorContext<String, OrderSummary> context) {
      this.context = context;
    }

    @Override
    public void process(Record<String, OrderView> record) {
      OrderView view = record.value();
      context.forward(record.withKey(view.getCustomerId()).withValue(summary(view)));
    }
  }

  /**
   * Applies each change to the customer's latest value and keeps it as a new version. A version is
   * never put before the latest one: an earlier timestamp would file the change in the past, where
   * the latest value, and every later change built on it, would never see it.
   *
   * <p>A change older than the store's history retention behind the latest time it holds (an
   * order's summary trailing customer events through its repartition, as in a rebuild of a long
   * history) the versioned store refuses to keep. It is kept all the same, at the task's stream
   * time, so that the latest value has it; its version then starts later than it happened. Counted
   * in {@code kafka_stream_tideway_projections_changes_filed_late_total}.
   */
  private static final class Apply implements Processor<String, SpecificRecord, Void, Void> {

    private ProcessorContext<Void, Void> context;
    private VersionedKeyValueStore<String, CustomerOrders> store;
    private Sensor filedLate;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      this.context = context;
      store = context.getStateStore(STORE);
      filedLate =
          context
              .metrics()
              .addRateTotalSensor(
                  LateOrderPolicy.METRIC_SCOPE,
                  STORE + "." + context.taskId(),
                  "changes-filed-late",
                  Sensor.RecordingLevel.INFO);
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
      VersionedRecord<CustomerOrders> latest = store.get(record.key());
      CustomerOrders next =
          apply(record.key(), record.value(), latest == null ? null : latest.value());
      long at =
          latest == null ? record.timestamp() : Math.max(latest.timestamp(), record.timestamp());
      if (store.put(record.key(), next, at) == VersionedKeyValueStore.PUT_RETURN_CODE_NOT_PUT) {
        long now = Math.max(at, context.currentStreamTimeMs());
        store.put(record.key(), next, now);
        filedLate.record();
        log.warn(
            "Customer {}: a change of {} is older than {}'s history reaches; kept as of {}",
            record.key(),
            Instant.ofEpochMilli(at),
            STORE,
            Instant.ofEpochMilli(now));
      }
    }

    @Override
    public void close() {
      context.metrics().removeSensor(filedLate);
    }
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
