package io.tideway.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.schemas.client.MockSchemaRegistry;
import io.tideway.schemas.serde.fixtures.Order;
import io.tideway.schemas.serde.fixtures.OrderStatus;
import io.tideway.schemas.serde.fixtures.OrderTotal;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The serde in a Kafka Streams topology, with a {@code mock://} registry shared by the test. */
class AvroSerdeTopologyTest {

  private static final String SCOPE = "topology-test";
  private static final Map<String, String> SERDE_CONFIG =
      Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://" + SCOPE);

  @AfterEach
  void dropScope() {
    MockSchemaRegistry.drop(SCOPE);
  }

  /** Paid orders become their totals; other orders and tombstones are dropped. */
  private static StreamsBuilder totalsOfPaidOrders() {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(
            "orders",
            Consumed.with(
                Serdes.String(), AvroSerde.specific(Order.class).configured(SERDE_CONFIG, false)))
        .filter((id, order) -> order != null && order.getStatus() == OrderStatus.PAID)
        .mapValues(
            order ->
                OrderTotal.newBuilder()
                    .setOrderId(order.getId())
                    .setTotal(order.getTotal())
                    .setLineCount(order.getLines().size())
                    .build())
        .to(
            "order-totals",
            Produced.with(
                Serdes.String(),
                AvroSerde.specific(OrderTotal.class).configured(SERDE_CONFIG, false)));
    return builder;
  }

  private static Properties streamsConfig() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "serde-topology-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    return props;
  }

  @Test
  void shouldCarryRecordsThroughATopologyWithAMockRegistry() {
    try (TopologyTestDriver driver =
        new TopologyTestDriver(totalsOfPaidOrders().build(), streamsConfig())) {
      // given a producer-side serializer and a consumer-side deserializer, configured apart
      AvroSerializer<Order> producer = new AvroSerializer<>();
      producer.configure(SERDE_CONFIG, false);
      AvroDeserializer<GenericRecord> consumer = new AvroDeserializer<>();
      consumer.configure(SERDE_CONFIG, false);
      TestInputTopic<String, Order> orders =
          driver.createInputTopic("orders", new StringSerializer(), producer);
      TestOutputTopic<String, GenericRecord> totals =
          driver.createOutputTopic("order-totals", new StringDeserializer(), consumer);
      Order unpaid = Order.newBuilder(Orders.order("o-2")).setStatus(OrderStatus.NEW).build();

      // when
      orders.pipeInput("o-1", Orders.order("o-1"));
      orders.pipeInput("o-2", unpaid);
      orders.pipeInput("o-3", null);

      // then
      var output = totals.readKeyValuesToList();
      assertThat(output).hasSize(1);
      assertThat(output.get(0).key).isEqualTo("o-1");
      GenericRecord total = output.get(0).value;
      assertThat(total.get("orderId").toString()).isEqualTo("o-1");
      assertThat(total.get("lineCount")).isEqualTo(2);
      assertThat(MockSchemaRegistry.scope(SCOPE).subjects())
          .containsExactly("order-totals-value", "orders-value");
    }
  }

  @Test
  void shouldWorkAsTheDefaultSerdeConfiguredByStreams() {
    // given a topology relying on the default value serde, configured by Streams itself
    StreamsBuilder builder = new StreamsBuilder();
    builder.<String, Order>stream("orders").to("orders-copy");
    Properties props = streamsConfig();
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, AvroSerde.class);
    props.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://" + SCOPE);
    props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true);

    try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
      AvroSerde<Order> serde = AvroSerde.specific(Order.class).configured(SERDE_CONFIG, false);
      TestInputTopic<String, Order> orders =
          driver.createInputTopic("orders", new StringSerializer(), serde.serializer());
      TestOutputTopic<String, Order> copies =
          driver.createOutputTopic("orders-copy", new StringDeserializer(), serde.deserializer());

      // when
      orders.pipeInput("o-1", Orders.order("o-1"));

      // then
      Order copy = copies.readValue();
      assertThat(copy).isEqualTo(Orders.order("o-1"));
      assertThat(copy.getTotal()).isEqualByComparingTo(new BigDecimal("1234.50"));
    }
  }
}
