package io.tideway.projections;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.contracts.common.Address;
import io.tideway.contracts.customer.CustomerAddressChanged;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.contracts.order.OrderApproved;
import io.tideway.contracts.order.OrderLine;
import io.tideway.contracts.order.OrderPlaced;
import io.tideway.contracts.order.OrderRejected;
import io.tideway.contracts.order.OrderShippingAddressUpdated;
import io.tideway.projections.model.CustomerOrders;
import io.tideway.projections.model.OrderSummary;
import io.tideway.projections.model.OrderView;
import io.tideway.projections.model.ProductSales;
import io.tideway.projections.model.TopProducts;
import io.tideway.topics.Topics;
import io.tideway.topology.DeploymentContext;
import io.tideway.topology.EventHeaders;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReferenceProjectionsTest {

  // Ten minutes ago: placement times ahead of this machine's clock count as impossible.
  private static final Instant NOW =
      Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(10));
  private static final UUID CUSTOMER = UUID.randomUUID();
  private static final UUID KETTLE = UUID.randomUUID();
  private static final UUID TOASTER = UUID.randomUUID();

  private TopologyTestDriver driver;
  private TestInputTopic<String, SpecificRecord> customers;
  private TestInputTopic<String, SpecificRecord> orders;

  @BeforeEach
  void start() {
    DeploymentContext context =
        DeploymentContext.of(
            ReferenceProjections.NAME,
            Map.of("schema.registry.url", "mock://projections-" + UUID.randomUUID()));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, ReferenceProjections.NAME);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    driver = new TopologyTestDriver(new ReferenceProjections().build(context), props);
    customers =
        driver.createInputTopic(
            Topics.CUSTOMER_EVENTS.name(),
            new StringSerializer(),
            context.valueSerde(Topics.CUSTOMER_EVENTS).serializer());
    orders =
        driver.createInputTopic(
            Topics.ORDER_EVENTS.name(),
            new StringSerializer(),
            context.valueSerde(Topics.ORDER_EVENTS).serializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  @Test
  void shouldKeepAnOrdersViewWithItsNewestAddressAndItsDecision() {
    UUID order = UUID.randomUUID();

    send(orders, order, placed(order, NOW, "1 Main St", line(KETTLE, 2, "10.00")));
    send(orders, order, addressUpdated(order, 3, "3 Third Ave"));
    send(orders, order, addressUpdated(order, 2, "2 Second St"));
    send(orders, order, new OrderApproved(order, NOW));
    send(orders, order, new OrderRejected(order, "too late", NOW));

    OrderView view = orderView(order);
    assertThat(view.getCustomerId()).isEqualTo(CUSTOMER.toString());
    assertThat(view.getTotal()).isEqualByComparingTo("20.00");
    assertThat(view.getShippingAddress().getStreet()).isEqualTo("3 Third Ave");
    assertThat(view.getAddressVersion()).isEqualTo(3);
    assertThat(view.getStatus()).isEqualTo("APPROVED");
    assertThat(view.getLines()).hasSize(1);
  }

  @Test
  void shouldNeverMoveAnOrdersViewBackInTime() {
    UUID order = UUID.randomUUID();
    Instant approvedAt = NOW.plusSeconds(5);

    // The placement failed in this branch, went to the dead-letter topic, and is re-driven late.
    send(orders, order, new OrderApproved(order, approvedAt));
    send(orders, order, placed(order, NOW, "1 Main St", line(KETTLE, 2, "10.00")));

    OrderView view = orderView(order);
    assertThat(view.getStatus()).isEqualTo("APPROVED");
    assertThat(view.getPlacedAt()).isEqualTo(NOW);
    assertThat(view.getUpdatedAt()).isEqualTo(approvedAt);
  }

  @Test
  void shouldKeepACustomersNewestAddressAndOrdersWhateverTheOrderOfTheirEvents() {
    UUID first = UUID.randomUUID();
    UUID second = UUID.randomUUID();

    send(orders, first, placed(first, NOW, "1 Main St", line(KETTLE, 1, "5.00")));
    send(customers, CUSTOMER, created());
    send(customers, CUSTOMER, addressChanged(3, "3 Third Ave"));
    send(customers, CUSTOMER, addressChanged(2, "2 Second St"));
    send(
        orders, second, placed(second, NOW.plusSeconds(1), "3 Third Ave", line(KETTLE, 1, "5.00")));
    send(orders, first, new OrderApproved(first, NOW));

    CustomerOrders view = customerOrders(CUSTOMER);
    assertThat(view.getName()).isEqualTo("Ada");
    assertThat(view.getAddress().getStreet()).isEqualTo("3 Third Ave");
    assertThat(view.getCustomerVersion()).isEqualTo(3);
    assertThat(view.getOrders())
        .extracting(OrderSummary::getOrderId, OrderSummary::getStatus)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(first.toString(), "APPROVED"),
            org.assertj.core.groups.Tuple.tuple(second.toString(), "PENDING"));
  }

  @Test
  void shouldKeepWhatCustomerOrdersSaidAtEachTimeOfItsHistory() {
    UUID order = UUID.randomUUID();
    Instant placedAt = NOW.plusSeconds(60);
    Instant approvedAt = NOW.plusSeconds(120);

    send(customers, CUSTOMER, created());
    send(orders, order, placed(order, placedAt, null, line(KETTLE, 1, "5.00")));
    send(orders, order, new OrderApproved(order, approvedAt), UUID.randomUUID(), approvedAt);
    // An address change whose record is older than the latest version still becomes the latest.
    send(customers, CUSTOMER, addressChanged(2, "2 Second St"));

    VersionedKeyValueStore<String, CustomerOrders> store = customerOrdersStore();
    String key = CUSTOMER.toString();
    assertThat(store.get(key, NOW.minusMillis(1).toEpochMilli())).isNull();
    CustomerOrders registered = store.get(key, NOW.toEpochMilli()).value();
    assertThat(registered.getOrders()).isEmpty();
    assertThat(store.get(key, placedAt.toEpochMilli()).value().getOrders())
        .extracting(OrderSummary::getStatus)
        .containsExactly("PENDING");
    CustomerOrders approved = store.get(key, approvedAt.toEpochMilli()).value();
    assertThat(approved.getOrders())
        .extracting(OrderSummary::getStatus)
        .containsExactly("APPROVED");
    assertThat(approved.getAddress().getStreet()).isEqualTo("2 Second St");
    assertThat(customerOrders(CUSTOMER).getAddress().getStreet()).isEqualTo("2 Second St");
  }

  @Test
  void shouldStampCustomerOrdersWithEventTimesNotImpossiblePlacementTimes() {
    UUID future = UUID.randomUUID();
    UUID beforeTime = UUID.randomUUID();
    UUID other = UUID.randomUUID();
    Instant published = NOW.plusSeconds(130);
    send(customers, CUSTOMER, created());

    // Placed, they say, ten days after they were published (beyond the store's history), and
    // before 1970.
    send(
        orders,
        future,
        placed(future, NOW.plus(Duration.ofDays(10)), null, line(KETTLE, 1, "1.00")),
        UUID.randomUUID(),
        published);
    send(
        orders,
        beforeTime,
        placed(beforeTime, Instant.ofEpochMilli(-5), null, line(KETTLE, 1, "1.00")),
        UUID.randomUUID(),
        published);
    send(customers, other, grace(other, NOW), UUID.randomUUID(), NOW.plusSeconds(140));

    VersionedRecord<CustomerOrders> latest = customerOrdersStore().get(CUSTOMER.toString());
    assertThat(latest.timestamp()).isEqualTo(published.toEpochMilli());
    assertThat(latest.value().getOrders())
        .extracting(OrderSummary::getOrderId)
        .containsExactlyInAnyOrder(future.toString(), beforeTime.toString());
    assertThat(customerOrders(other).getName()).isEqualTo("Grace");
  }

  @Test
  void keepsAChangeOlderThanCustomerOrdersHistoryReachesAsOfTheStreamTime() {
    UUID order = UUID.randomUUID();
    UUID other = UUID.randomUUID();
    Instant muchLater = NOW.plus(CustomerOrdersViews.DEFAULT_HISTORY).plus(Duration.ofDays(1));
    send(customers, CUSTOMER, created());
    // Customer events ran ahead of the orders by more than the store's history, as in a rebuild.
    send(customers, other, grace(other, muchLater), UUID.randomUUID(), muchLater);

    send(orders, order, placed(order, NOW.plusSeconds(60), null, line(KETTLE, 1, "5.00")));

    VersionedRecord<CustomerOrders> latest = customerOrdersStore().get(CUSTOMER.toString());
    assertThat(latest.value().getOrders())
        .extracting(OrderSummary::getOrderId)
        .containsExactly(order.toString());
    assertThat(latest.timestamp()).isEqualTo(muchLater.toEpochMilli());
    assertThat(metric("changes-filed-late-total")).isEqualTo(1.0);
  }

  @Test
  void shouldApplyAnEventSeenTwiceOnce() {
    UUID order = UUID.randomUUID();
    UUID id = UUID.randomUUID();
    OrderPlaced placed = placed(order, NOW, "1 Main St", line(KETTLE, 3, "2.00"));

    send(orders, order, placed, id, NOW);
    send(orders, order, placed, id, NOW);

    assertThat(sales(SalesAnalytics.ONE_MINUTE_STORE, KETTLE, NOW).getUnits()).isEqualTo(3);
    assertThat(metric("duplicates-dropped-total")).isEqualTo(1.0);
  }

  @Test
  void shouldCountSalesPerProductInTumblingAndHoppingWindowsAndRankTheLastFiveMinutes() {
    UUID a = UUID.randomUUID();
    UUID b = UUID.randomUUID();
    UUID c = UUID.randomUUID();

    send(orders, a, placed(a, NOW, null, line(KETTLE, 2, "10.00"), line(TOASTER, 1, "30.00")));
    send(orders, b, placed(b, NOW.plusSeconds(70), null, line(KETTLE, 1, "10.00")));
    send(orders, c, placed(c, NOW.plusSeconds(80), null, line(KETTLE, 5, "10.00")));

    ProductSales firstMinute = sales(SalesAnalytics.ONE_MINUTE_STORE, KETTLE, NOW);
    ProductSales secondMinute = sales(SalesAnalytics.ONE_MINUTE_STORE, KETTLE, NOW.plusSeconds(60));
    assertThat(firstMinute.getOrders()).isEqualTo(1);
    assertThat(firstMinute.getRevenue()).isEqualByComparingTo("20.00");
    assertThat(secondMinute.getOrders()).isEqualTo(2);
    assertThat(secondMinute.getUnits()).isEqualTo(6);
    // The five-minute window starting at NOW holds all three orders.
    ProductSales fiveMinutes = sales(SalesAnalytics.FIVE_MINUTE_STORE, KETTLE, NOW);
    assertThat(fiveMinutes.getOrders()).isEqualTo(3);
    assertThat(fiveMinutes.getRevenue()).isEqualByComparingTo("80.00");

    KeyValueStore<String, TopProducts> top = driver.getKeyValueStore(SalesAnalytics.TOP_STORE);
    TopProducts ranking = top.get(SalesAnalytics.TOP_KEY);
    assertThat(ranking.getWindowEnd()).isEqualTo(NOW.plusSeconds(120));
    assertThat(ranking.getTop())
        .extracting(ProductSales::getProductId)
        .containsExactly(KETTLE.toString(), TOASTER.toString());
    assertThat(ranking.getTop().get(0).getRevenue()).isEqualByComparingTo("80.00");
  }

  @Test
  void ranksASaleInTheLastFiveMinutesThatCameAfterALaterSaleOfAnotherProduct() {
    UUID first = UUID.randomUUID();
    UUID second = UUID.randomUUID();
    // The toaster's sale is the later one; the kettle's, a few seconds earlier, is read after it.
    send(orders, first, placed(first, NOW.plusSeconds(301), null, line(TOASTER, 1, "5.00")));
    send(orders, second, placed(second, NOW.plusSeconds(295), null, line(KETTLE, 1, "9.00")));

    TopProducts ranking =
        driver
            .<String, TopProducts>getKeyValueStore(SalesAnalytics.TOP_STORE)
            .get(SalesAnalytics.TOP_KEY);
    assertThat(ranking.getWindowEnd()).isEqualTo(NOW.plusSeconds(360));
    assertThat(ranking.getTop())
        .extracting(ProductSales::getProductId)
        .containsExactly(KETTLE.toString(), TOASTER.toString());
  }

  @Test
  void anOrderServiceWhoseClockRunsFastDoesNotHaveTheOthersOrdersTakenForLate() {
    UUID fast = UUID.randomUUID();
    UUID onTime = UUID.randomUUID();
    // Placed, by a clock 45 s fast, 45 s after the commit that published it: a possible time.
    send(
        orders,
        fast,
        placed(fast, NOW.plusSeconds(45), null, line(KETTLE, 1, "1.00")),
        UUID.randomUUID(),
        NOW);
    send(orders, onTime, placed(onTime, NOW.plusSeconds(1), null, line(TOASTER, 1, "1.00")));

    assertThat(sales(SalesAnalytics.ONE_MINUTE_STORE, TOASTER, NOW).getUnits()).isEqualTo(1);
    assertThat(metric("late-orders-dropped-total")).isZero();
  }

  @Test
  void shouldDropAndCountLateOrdersAndOrdersWithImpossibleTimesFromTheSalesOnly() {
    UUID onTime = UUID.randomUUID();
    UUID late = UUID.randomUUID();
    UUID future = UUID.randomUUID();

    send(orders, onTime, placed(onTime, NOW.plusSeconds(120), null, line(KETTLE, 1, "1.00")));
    send(orders, late, placed(late, NOW, null, line(TOASTER, 1, "1.00")));
    // Placed, it says, a day after it was published.
    send(
        orders,
        future,
        placed(future, NOW.plus(Duration.ofDays(1)), null, line(TOASTER, 1, "1.00")),
        UUID.randomUUID(),
        NOW.plusSeconds(130));

    assertThat(sales(SalesAnalytics.ONE_MINUTE_STORE, TOASTER, NOW)).isNull();
    assertThat(metric("late-orders-dropped-total")).isEqualTo(1.0);
    assertThat(metric("invalid-time-orders-dropped-total")).isEqualTo(1.0);
    assertThat(orderView(late).getStatus()).isEqualTo("PENDING");
    assertThat(orderView(future).getTotal()).isEqualByComparingTo("1.00");
  }

  /** Another customer, registered at {@code at}. */
  private static CustomerCreated grace(UUID customer, Instant at) {
    return new CustomerCreated(
        customer,
        "Grace",
        "grace@example.com",
        new BigDecimal("100.00"),
        new Address("2 Second St", "Berlin", "10115", "DE"),
        at);
  }

  private OrderView orderView(UUID order) {
    KeyValueStore<String, OrderView> store = driver.getKeyValueStore(OrderViews.STORE);
    return store.get(order.toString());
  }

  private CustomerOrders customerOrders(UUID customer) {
    VersionedRecord<CustomerOrders> latest = customerOrdersStore().get(customer.toString());
    return latest == null ? null : latest.value();
  }

  private VersionedKeyValueStore<String, CustomerOrders> customerOrdersStore() {
    return driver.getVersionedKeyValueStore(CustomerOrdersViews.STORE);
  }

  @Test
  void judgesAPlacementTimeAgainstItsRecordNotThisMachinesClock() {
    // as a rebuild replays, or another machine reads: stamped long after (or before) this clock
    UUID order = UUID.randomUUID();
    Instant muchLater = Instant.now().plus(Duration.ofDays(30)).truncatedTo(ChronoUnit.MINUTES);

    send(orders, order, placed(order, muchLater, null, line(KETTLE, 2, "1.00")));

    assertThat(sales(SalesAnalytics.ONE_MINUTE_STORE, KETTLE, muchLater).getUnits()).isEqualTo(2);
    assertThat(metric("invalid-time-orders-dropped-total")).isZero();
  }

  private ProductSales sales(String storeName, UUID product, Instant windowStart) {
    WindowStore<String, ProductSales> store = driver.getWindowStore(storeName);
    return store.fetch(product.toString(), windowStart.toEpochMilli());
  }

  private double metric(String name) {
    return driver.metrics().entrySet().stream()
        .filter(e -> e.getKey().name().equals(name))
        .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
        .sum();
  }

  /**
   * Sends an event stamped as the relay stamps it: an order when it was placed, else {@code NOW}.
   */
  private static void send(
      TestInputTopic<String, SpecificRecord> topic, UUID key, SpecificRecord event) {
    Instant at = event instanceof OrderPlaced placed ? placed.getPlacedAt() : NOW;
    send(topic, key, event, UUID.randomUUID(), at);
  }

  private static void send(
      TestInputTopic<String, SpecificRecord> topic,
      UUID key,
      SpecificRecord event,
      UUID id,
      Instant at) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(EventHeaders.ID, id.toString().getBytes(StandardCharsets.UTF_8));
    topic.pipeInput(new TestRecord<>(key.toString(), event, headers, at));
  }

  private static OrderPlaced placed(UUID order, Instant at, String street, OrderLine... lines) {
    BigDecimal total =
        List.of(lines).stream()
            .map(l -> l.getUnitPrice().multiply(BigDecimal.valueOf(l.getQuantity())))
            .reduce(BigDecimal.ZERO, BigDecimal::add);
    return OrderPlaced.newBuilder()
        .setOrderId(order)
        .setCustomerId(CUSTOMER)
        .setLines(List.of(lines))
        .setTotal(total)
        .setShippingAddress(street == null ? null : new Address(street, "Berlin", "10115", "DE"))
        .setPlacedAt(at)
        .build();
  }

  private static OrderLine line(UUID product, int quantity, String price) {
    return new OrderLine(product, quantity, new BigDecimal(price));
  }

  private static OrderShippingAddressUpdated addressUpdated(
      UUID order, long version, String street) {
    return new OrderShippingAddressUpdated(
        order, CUSTOMER, new Address(street, "Hamburg", "20095", "DE"), version, NOW);
  }

  private static CustomerCreated created() {
    return new CustomerCreated(
        CUSTOMER,
        "Ada",
        "ada@example.com",
        new BigDecimal("100.00"),
        new Address("1 Main St", "Berlin", "10115", "DE"),
        NOW);
  }

  private static CustomerAddressChanged addressChanged(long version, String street) {
    return new CustomerAddressChanged(
        CUSTOMER, version, new Address(street, "Hamburg", "20095", "DE"), NOW, null);
  }
}
