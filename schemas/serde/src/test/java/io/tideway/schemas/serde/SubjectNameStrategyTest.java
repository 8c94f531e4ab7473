package io.tideway.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.schemas.client.InMemorySchemaRegistry;
import io.tideway.schemas.serde.fixtures.Order;
import io.tideway.schemas.serde.fixtures.Payment;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class SubjectNameStrategyTest {

  private static final Schema ORDER = Order.getClassSchema();

  @Test
  void shouldNameSubjectsAfterTheTopicAndSide() {
    TopicNameStrategy strategy = new TopicNameStrategy();
    assertThat(strategy.subjectName("orders", false, ORDER)).isEqualTo("orders-value");
    assertThat(strategy.subjectName("orders", true, ORDER)).isEqualTo("orders-key");
  }

  @Test
  void shouldNameSubjectsAfterTheRecord() {
    assertThat(new RecordNameStrategy().subjectName("orders", false, ORDER))
        .isEqualTo("io.tideway.schemas.serde.fixtures.Order");
    assertThat(new TopicRecordNameStrategy().subjectName("orders", true, ORDER))
        .isEqualTo("orders-io.tideway.schemas.serde.fixtures.Order");
  }

  @Test
  void shouldRegisterUnderTheConfiguredStrategysSubjects() {
    // given two record types on one topic, named by Confluent's strategy name
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    AvroSerializer<Object> serializer = new AvroSerializer<>(registry);
    serializer.configure(
        Map.of(
            AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG,
            "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"),
        false);
    Payment payment = Payment.newBuilder().setId("p-1").setAmountCents(100).build();

    // when
    serializer.serialize("events", Orders.order("o-1"));
    serializer.serialize("events", payment);

    // then
    assertThat(registry.subjects())
        .containsExactly(
            "events-io.tideway.schemas.serde.fixtures.Order",
            "events-io.tideway.schemas.serde.fixtures.Payment");
  }
}
