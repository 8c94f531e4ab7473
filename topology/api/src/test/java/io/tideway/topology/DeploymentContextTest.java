package io.tideway.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideway.contracts.inventory.StockAdjusted;
import io.tideway.schemas.client.MockSchemaRegistry;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.topics.Topic;
import io.tideway.topics.Topics;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.errors.TopologyException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeploymentContextTest {

  private static final String SCOPE = "deployment-context-test";
  private final DeploymentContext context =
      DeploymentContext.of(
          "inventory-view",
          Map.of(
              AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG,
              "mock://" + SCOPE,
              "tideway.topic.inventory.events",
              "inventory.events.staging",
              "view.size",
              "10"));

  @AfterEach
  void close() {
    context.close();
    MockSchemaRegistry.drop(SCOPE);
  }

  @Test
  void renamesCatalogueTopicsOnlyWhenASettingSaysSo() {
    assertThat(context.topicName(Topics.INVENTORY_EVENTS)).isEqualTo("inventory.events.staging");
    assertThat(context.topicName(Topics.ORDER_EVENTS)).isEqualTo("order.events");
    assertThat(context.consumed(Topics.ORDER_EVENTS)).isNotNull();
  }

  @Test
  void readsEventsTopicsAsGeneratedClassesUnderTopicRecordSubjects() {
    StockAdjusted event =
        StockAdjusted.newBuilder()
            .setProductId(UUID.randomUUID())
            .setStock(7)
            .setAdjustedAt(Instant.parse("2026-01-01T00:00:00Z"))
            .build();
    Serde<SpecificRecord> values = context.valueSerde(Topics.INVENTORY_EVENTS);

    byte[] bytes = values.serializer().serialize("inventory.events", event);

    assertThat(values.deserializer().deserialize("inventory.events", bytes)).isEqualTo(event);
    assertThat(MockSchemaRegistry.scope(SCOPE).subjects())
        .containsExactly("inventory.events-" + StockAdjusted.class.getName());
  }

  @Test
  void handsOutSettingsWithDefaults() {
    assertThat(context.setting("view.size", "5")).isEqualTo("10");
    assertThat(context.setting("view.depth", "5")).isEqualTo("5");
    assertThat(context.applicationId()).isEqualTo("inventory-view");
  }

  @Test
  void itsBuilderRefusesAnInternalTopicWithAGeneratedName() {
    StreamsBuilder builder = context.streamsBuilder();
    builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
        .selectKey((key, value) -> value)
        .groupByKey()
        .count();

    assertThatThrownBy(builder::build)
        .isInstanceOf(TopologyException.class)
        .hasMessageContaining("repartition topic(s) has not been named");
  }

  @Test
  void namingFindsTheStoresAndInternalTopicsKafkaStreamsNamed() {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
        .selectKey((key, value) -> value)
        .groupByKey()
        .count();
    builder.stream("named", Consumed.with(Serdes.String(), Serdes.String()))
        .groupByKey(Grouped.as("by-key"))
        .count(Materialized.as("counts"));

    assertThat(TopologyNaming.generatedNames(builder.build()))
        .hasSize(2)
        .allMatch(name -> name.startsWith("KSTREAM-AGGREGATE-STATE-STORE-"))
        .anyMatch(name -> name.endsWith("-repartition"));
  }

  @Test
  void namingFindsTheStoreOfATableReadWithoutAStoreName() {
    StreamsBuilder builder = new StreamsBuilder();
    KTable<String, String> prices =
        builder.table("prices", Consumed.with(Serdes.String(), Serdes.String()).withName("prices"));
    builder.stream("orders", Consumed.with(Serdes.String(), Serdes.String()).withName("orders"))
        .join(prices, (order, price) -> order + price, Joined.as("priced"));

    assertThat(TopologyNaming.generatedNames(builder.build()))
        .singleElement(InstanceOfAssertFactories.STRING)
        .matches("prices-STATE-STORE-\\d{10}");
  }

  @Test
  void theCatalogueNamesTopicsByTheContract() {
    assertThat(Topics.CUSTOMER_EVENTS.name()).isEqualTo("customer.events");
    assertThat(Topics.ORDER_COMMANDS.name()).isEqualTo("order.commands");
    assertThat(Topics.deadLetters("order-view").name()).isEqualTo("order-view.dlq");
    assertThat(Topics.OUTBOX_DLQ.name()).isEqualTo("outbox.dlq");
    assertThatThrownBy(() -> Topic.of("t", 0, Map.of(), Serdes::String, Serdes::String))
        .hasMessageContaining("at least 1 partition");
  }
}
