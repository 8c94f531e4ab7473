package io.tideway.topology.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.contracts.common.Address;
import io.tideway.contracts.customer.CustomerAddressChanged;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.topics.Topics;
import io.tideway.topology.DeploymentContext;
import io.tideway.topology.EventHeaders;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AggregateHistoryTest {

  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  private static final UUID ADA = UUID.randomUUID();
  private static final UUID BOB = UUID.randomUUID();

  private DeploymentContext context;
  private TopologyTestDriver driver;
  private TestInputTopic<String, SpecificRecord> customers;

  @BeforeEach
  void start() {
    context =
        DeploymentContext.of(
            "history-test", Map.of("schema.registry.url", "mock://history-" + UUID.randomUUID()));
    StreamsBuilder builder = context.streamsBuilder();
    AggregateHistory.record(
        builder,
        context,
        "customer",
        builder.stream(
            context.topicName(Topics.CUSTOMER_EVENTS), context.consumed(Topics.CUSTOMER_EVENTS)));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "history-test");
    driver = new TopologyTestDriver(builder.build(), props);
    customers =
        driver.createInputTopic(
            Topics.CUSTOMER_EVENTS.name(),
            new StringSerializer(),
            context.valueSerde(Topics.CUSTOMER_EVENTS).serializer());
  }

  @AfterEach
  void stop() {
    driver.close();
    context.close();
  }

  @Test
  void shouldKeepEachAggregatesEventsInTheOrderTheyWerePublished() throws Exception {
    String created = send(ADA, created(ADA), T0);
    send(BOB, created(BOB), T0.plusSeconds(1));
    String moved = send(ADA, moved(ADA, 2, "2 Second St"), T0.plusSeconds(2));
    send(null, moved(ADA, 3, "nowhere"), T0.plusSeconds(3));

    List<AggregateEvent> history = history(ADA);

    assertThat(history)
        .extracting(AggregateEvent::getEventId, AggregateEvent::getEventType)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(created, "CustomerCreated"),
            org.assertj.core.groups.Tuple.tuple(moved, "CustomerAddressChanged"));
    AggregateEvent first = history.get(0);
    assertThat(first.getAggregateType()).isEqualTo("customer");
    assertThat(first.getAggregateId()).isEqualTo(ADA.toString());
    assertThat(first.getOccurredAt()).isEqualTo(T0);
    assertThat(first.getTopic()).isEqualTo(Topics.CUSTOMER_EVENTS.name());
    assertThat(first.getOffset()).isEqualTo(0);
    assertThat(first.getTraceparent()).startsWith("00-");
    JsonNode payload = new ObjectMapper().readTree(first.getPayload());
    assertThat(payload.path("creditLimit").decimalValue()).isEqualByComparingTo("100.00");
    assertThat(payload.path("address").path("street").asText()).isEqualTo("1 Main St");
    assertThat(payload.path("createdAt").asText()).isEqualTo(T0.toString());
    assertThat(history(BOB)).hasSize(1);
  }

  @Test
  void shouldFindTheAggregateOfAHistoryKeyOnlyInAHistoryKey() {
    String key = AggregateHistory.key("orders/7", 42);
    assertThat(AggregateHistory.partitionKey("order-history", key)).isEqualTo("orders/7");
    // Another store named like one, keyed with a '/': its keys as they are.
    assertThat(AggregateHistory.partitionKey("price-history", "sku/42")).isEqualTo("sku/42");
    assertThat(AggregateHistory.partitionKey("prices", key)).isEqualTo(key);
  }

  @Test
  void shouldBoundAnAggregatesKeysLeavingOutThoseOfAnAggregateNamedAfterIt() {
    String first = AggregateHistory.firstKey("shelf-1");
    String last = AggregateHistory.lastKey("shelf-1");

    assertThat(AggregateHistory.key("shelf-1", 0)).isEqualTo(first);
    assertThat(AggregateHistory.key("shelf-1", Long.MAX_VALUE)).isBetween(first, last);
    assertThat(AggregateHistory.key("shelf-1/bin-9", 0)).isGreaterThan(last);
    assertThat(AggregateHistory.key("shelf-1-old", 0)).isLessThan(first);
  }

  @Test
  void shouldSortOffsetsAsNumbersNotAsText() {
    assertThat(AggregateHistory.key("a", 9)).isLessThan(AggregateHistory.key("a", 10));
    assertThat(AggregateHistory.key("a", 10)).startsWith(AggregateHistory.keyPrefix("a"));
  }

  private List<AggregateEvent> history(UUID customer) {
    KeyValueStore<String, AggregateEvent> store =
        driver.getKeyValueStore(AggregateHistory.storeName("customer"));
    List<AggregateEvent> events = new ArrayList<>();
    try (KeyValueIterator<String, AggregateEvent> entries =
        store.prefixScan(AggregateHistory.keyPrefix(customer.toString()), new StringSerializer())) {
      entries.forEachRemaining((KeyValue<String, AggregateEvent> entry) -> events.add(entry.value));
    }
    return events;
  }

  private String send(UUID key, SpecificRecord event, Instant at) {
    String id = UUID.randomUUID().toString();
    RecordHeaders headers = new RecordHeaders();
    headers.add(EventHeaders.ID, id.getBytes(StandardCharsets.UTF_8));
    headers.add(
        EventHeaders.OCCURRED_AT,
        Long.toString(at.toEpochMilli()).getBytes(StandardCharsets.UTF_8));
    headers.add(
        EventHeaders.TRACEPARENT,
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".getBytes(StandardCharsets.UTF_8));
    customers.pipeInput(new TestRecord<>(key == null ? null : key.toString(), event, headers, at));
    return id;
  }

  private static CustomerCreated created(UUID customer) {
    return new CustomerCreated(
        customer,
        "Ada",
        "ada@example.com",
        new BigDecimal("100.00"),
        new Address("1 Main St", "Berlin", "10115", "DE"),
        T0);
  }

  private static CustomerAddressChanged moved(UUID customer, long version, String street) {
    return new CustomerAddressChanged(
        customer, version, new Address(street, "Hamburg", "20095", "DE"), T0, null);
  }
}
