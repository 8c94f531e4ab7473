package io.tideway.projections.saga;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.contracts.common.Address;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.contracts.customer.CustomerCreditRejected;
import io.tideway.contracts.customer.CustomerCreditReleased;
import io.tideway.contracts.customer.CustomerCreditReserved;
import io.tideway.contracts.inventory.StockReleased;
import io.tideway.contracts.inventory.StockReserved;
import io.tideway.contracts.inventory.StockUnavailable;
import io.tideway.contracts.order.OrderApproved;
import io.tideway.contracts.order.OrderLine;
import io.tideway.contracts.order.OrderPlaced;
import io.tideway.contracts.order.OrderRejected;
import io.tideway.contracts.saga.ApproveOrder;
import io.tideway.contracts.saga.RejectOrder;
import io.tideway.contracts.saga.ReleaseCredit;
import io.tideway.contracts.saga.ReleaseStock;
import io.tideway.contracts.saga.ReserveCredit;
import io.tideway.contracts.saga.ReserveStock;
import io.tideway.topics.Topic;
import io.tideway.topics.Topics;
import io.tideway.topology.DeploymentContext;
import io.tideway.topology.EventHeaders;
import io.tideway.topology.saga.Saga;
import io.tideway.topology.saga.SagaInstance;
import io.tideway.topology.saga.SagaStatus;
import io.tideway.topology.saga.SagaTransition;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PlaceOrderSagaTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final UUID order = UUID.randomUUID();
  private final UUID customer = UUID.randomUUID();
  private final UUID product = UUID.randomUUID();

  private DeploymentContext context;
  private TopologyTestDriver driver;
  private TestInputTopic<String, SpecificRecord> orderEvents;
  private TestInputTopic<String, SpecificRecord> customerEvents;
  private TestInputTopic<String, SpecificRecord> inventoryEvents;
  private TestOutputTopic<String, SpecificRecord> customerCommands;
  private TestOutputTopic<String, SpecificRecord> inventoryCommands;
  private TestOutputTopic<String, SpecificRecord> orderCommands;
  private TestOutputTopic<String, SpecificRecord> lifecycle;

  @BeforeEach
  void start() {
    context =
        DeploymentContext.of(
            PlaceOrderSaga.NAME,
            Map.of(
                "schema.registry.url",
                "mock://saga-" + UUID.randomUUID(),
                "place-order.step-timeout",
                TIMEOUT.toString(),
                "place-order.compensation-attempts",
                "2"));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, PlaceOrderSaga.NAME);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    driver = new TopologyTestDriver(new PlaceOrderSaga().build(context), props);
    orderEvents = input(Topics.ORDER_EVENTS);
    customerEvents = input(Topics.CUSTOMER_EVENTS);
    inventoryEvents = input(Topics.INVENTORY_EVENTS);
    customerCommands = output(Topics.CUSTOMER_COMMANDS);
    inventoryCommands = output(Topics.INVENTORY_COMMANDS);
    orderCommands = output(Topics.ORDER_COMMANDS);
    lifecycle = output(Topics.sagaLifecycle(PlaceOrderSaga.SAGA));
  }

  @AfterEach
  void stop() {
    driver.close();
    context.close();
  }

  private TestInputTopic<String, SpecificRecord> input(Topic<String, SpecificRecord> topic) {
    return driver.createInputTopic(
        topic.name(), new StringSerializer(), context.valueSerde(topic).serializer());
  }

  private TestOutputTopic<String, SpecificRecord> output(Topic<String, SpecificRecord> topic) {
    return driver.createOutputTopic(
        topic.name(), new StringDeserializer(), context.valueSerde(topic).deserializer());
  }

  private static void pipe(
      TestInputTopic<String, SpecificRecord> topic, Object key, SpecificRecord event) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(EventHeaders.ID, UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
    topic.pipeInput(new TestRecord<>(key.toString(), event, headers, Instant.now()));
  }

  private SagaInstance saga() {
    KeyValueStore<String, SagaInstance> store =
        driver.getKeyValueStore(Saga.instancesStore(PlaceOrderSaga.SAGA));
    return store.get(order.toString());
  }

  private void place() {
    pipe(
        orderEvents,
        order,
        new OrderPlaced(
            order,
            customer,
            List.of(new OrderLine(product, 3, new BigDecimal("4.00"))),
            new BigDecimal("12.00"),
            null,
            Instant.now()));
  }

  @Test
  void approvesAnOrderOnceCreditAndStockAreReserved() {
    // Events the saga has no use for pass by.
    pipe(
        customerEvents,
        customer,
        new CustomerCreated(
            customer,
            "Ann",
            "ann@example.com",
            BigDecimal.TEN,
            new Address("1 Quay", "Leith", "EH6", "GB"),
            Instant.now()));
    place();

    var reserveCredit = customerCommands.readRecord();
    assertThat(reserveCredit.key()).isEqualTo(order.toString());
    assertThat(reserveCredit.value())
        .isInstanceOfSatisfying(
            ReserveCredit.class,
            c -> {
              assertThat(c.getCustomerId()).isEqualTo(customer);
              assertThat(c.getAmount()).isEqualByComparingTo("12.00");
            });
    // The customer service keys its events by customer id: the saga re-keys them by order id.
    pipe(
        customerEvents,
        customer,
        new CustomerCreditReserved(customer, order, new BigDecimal("12.00"), Instant.now()));
    assertThat(inventoryCommands.readValue())
        .isInstanceOfSatisfying(
            ReserveStock.class, c -> assertThat(c.getLines().get(0).getQuantity()).isEqualTo(3));
    pipe(inventoryEvents, order, new StockReserved(order, List.of(), Instant.now()));
    assertThat(orderCommands.readValue()).isInstanceOf(ApproveOrder.class);
    pipe(orderEvents, order, new OrderApproved(order, Instant.now()));

    assertThat(saga().getStatus()).isEqualTo(SagaStatus.COMPLETED);
    assertThat(customerCommands.isEmpty() && inventoryCommands.isEmpty() && orderCommands.isEmpty())
        .isTrue();
    List<String> published =
        lifecycle.readValuesToList().stream().map(t -> ((SagaTransition) t).getEvent()).toList();
    assertThat(published).first().isEqualTo("STARTED");
    assertThat(published).last().isEqualTo("COMPLETED");
  }

  @Test
  void rejectsTheOrderWhenTheCreditLimitIsExceeded() {
    place();
    customerCommands.readValue();
    pipe(
        customerEvents,
        customer,
        new CustomerCreditRejected(
            customer, order, new BigDecimal("12.00"), "limit 10.00", Instant.now()));
    assertThat(orderCommands.readValue())
        .isInstanceOfSatisfying(
            RejectOrder.class, c -> assertThat(c.getReason()).contains("limit 10.00"));
    pipe(orderEvents, order, new OrderRejected(order, "limit", Instant.now()));
    assertThat(saga().getStatus()).isEqualTo(SagaStatus.COMPENSATED);
    assertThat(inventoryCommands.isEmpty()).isTrue();
  }

  @Test
  void releasesTheCreditWhenStockIsShort() {
    place();
    pipe(
        customerEvents,
        customer,
        new CustomerCreditReserved(customer, order, new BigDecimal("12.00"), Instant.now()));
    inventoryCommands.readValue();
    pipe(inventoryEvents, order, new StockUnavailable(order, product, 3, 1, Instant.now()));
    assertThat(customerCommands.readValuesToList())
        .extracting(v -> v.getClass().getSimpleName())
        .containsExactly("ReserveCredit", "ReleaseCredit");
    pipe(
        customerEvents,
        customer,
        new CustomerCreditReleased(customer, order, new BigDecimal("12.00"), Instant.now()));
    assertThat(orderCommands.readValue()).isInstanceOf(RejectOrder.class);
    pipe(orderEvents, order, new OrderRejected(order, "stock", Instant.now()));
    assertThat(saga().getStatus()).isEqualTo(SagaStatus.COMPENSATED);
  }

  @Test
  void aStepTimesOutOnWallClockTimeAndWhatWasDoneIsUndone() {
    place();
    pipe(
        customerEvents,
        customer,
        new CustomerCreditReserved(customer, order, new BigDecimal("12.00"), Instant.now()));
    inventoryCommands.readValue();
    driver.advanceWallClockTime(TIMEOUT.plusSeconds(1));

    assertThat(inventoryCommands.readValue()).isInstanceOf(ReleaseStock.class);
    pipe(inventoryEvents, order, new StockReleased(order, List.of(), Instant.now()));
    assertThat(customerCommands.readValuesToList()).last().isInstanceOf(ReleaseCredit.class);
    pipe(
        customerEvents,
        customer,
        new CustomerCreditReleased(customer, order, new BigDecimal("12.00"), Instant.now()));
    assertThat(orderCommands.readValue())
        .isInstanceOfSatisfying(
            RejectOrder.class, c -> assertThat(c.getReason()).isEqualTo("reserve-stock timed out"));
  }

  @Test
  void aCompensationNobodyAnswersEndsOnTheDeadLetterTopic() {
    place();
    driver.advanceWallClockTime(TIMEOUT.plusSeconds(1)); // reserve-credit times out
    driver.advanceWallClockTime(TIMEOUT.plusSeconds(1)); // ReleaseCredit times out
    driver.advanceWallClockTime(Duration.ofSeconds(2)); // resent after the backoff
    driver.advanceWallClockTime(TIMEOUT.plusSeconds(1)); // and times out again
    // Given up on, the order is rejected all the same: no order stays pending for it.
    assertThat(orderCommands.readValue()).isInstanceOf(RejectOrder.class);
    pipe(orderEvents, order, new OrderRejected(order, "credit unreleased", Instant.now()));

    assertThat(saga().getStatus()).isEqualTo(SagaStatus.FAILED_COMPENSATION);
    var deadLetters =
        driver.createOutputTopic(
            Topics.deadLetters(PlaceOrderSaga.NAME).name(),
            new StringDeserializer(),
            context.valueSerde(Topics.CUSTOMER_COMMANDS).deserializer());
    var letter = deadLetters.readRecord();
    assertThat(letter.value()).isInstanceOf(ReleaseCredit.class);
    assertThat(header(letter, Saga.DESTINATION_HEADER)).isEqualTo(Topics.CUSTOMER_COMMANDS.name());
    assertThat(header(letter, Saga.STEP_HEADER)).isEqualTo("reserve-credit");
    // The dead letter is the compensation's next attempt: the same command id in the value, a
    // record id of its own, so a re-drive is a send the participant has not seen yet.
    List<TestRecord<String, SpecificRecord>> sent =
        customerCommands.readRecordsToList().stream()
            .filter(r -> r.value() instanceof ReleaseCredit)
            .toList();
    assertThat(sent).hasSize(2);
    assertThat(((ReleaseCredit) letter.value()).getCommandId())
        .isEqualTo(((ReleaseCredit) sent.get(0).value()).getCommandId());
    assertThat(header(letter, EventHeaders.ID))
        .isNotNull()
        .isNotIn(sent.stream().map(r -> header(r, EventHeaders.ID)).toList());
    assertThat(header(letter, EventHeaders.EVENT_TYPE))
        .isEqualTo(ReleaseCredit.class.getSimpleName());
  }

  private static String header(TestRecord<?, ?> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
