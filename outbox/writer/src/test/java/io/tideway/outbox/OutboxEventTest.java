package io.tideway.outbox;

import static io.tideway.outbox.Fixtures.TRACEPARENT;
import static io.tideway.outbox.Fixtures.customerCreated;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideway.contracts.customer.CustomerCreated;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OutboxEventTest {

  private static final UUID CUSTOMER = UUID.fromString("7f0c4a58-4a36-4c39-9d27-3b1b8e0c2a11");
  private final CustomerCreated created = customerCreated(CUSTOMER);

  @Test
  void shouldNameTheTopicAndTheEventType() {
    OutboxEvent event = OutboxEvent.of("customer", CUSTOMER.toString(), created);

    assertThat(event.topic()).isEqualTo("customer.events");
    assertThat(event.eventType()).isEqualTo("io.tideway.contracts.customer.CustomerCreated");
    assertThat(event.aggregateType()).isEqualTo("customer");
    assertThat(event.aggregateId()).isEqualTo(CUSTOMER.toString());
    assertThat(event.record()).isSameAs(created);
    assertThat(event.traceparent()).isEmpty();
  }

  @Test
  void shouldGiveEachEventARandomIdUnlessOneIsGiven() {
    UUID given = UUID.randomUUID();

    OutboxEvent first = OutboxEvent.of("customer", "42", created);
    OutboxEvent second = OutboxEvent.of("customer", "42", created);

    assertThat(first.id()).isNotNull().isNotEqualTo(second.id());
    assertThat(first.withId(given).id()).isEqualTo(given);
    assertThat(first.withId(given)).isEqualTo(second.withId(given));
  }

  @Test
  void shouldKeepAValidTraceparent() {
    OutboxEvent event = OutboxEvent.of("customer", "42", created).withTraceparent(TRACEPARENT);

    assertThat(event.traceparent()).contains(TRACEPARENT);
  }

  @Test
  void shouldAcceptAGenericRecord() {
    Schema schema =
        SchemaBuilder.record("Pinged")
            .namespace("io.example")
            .fields()
            .requiredString("by")
            .endRecord();
    GenericData.Record record = new GenericData.Record(schema);
    record.put("by", "ops");

    assertThat(OutboxEvent.of("probe", "1", record).eventType()).isEqualTo("io.example.Pinged");
  }

  @Test
  void shouldLeaveTheRecordContentOutOfToString() {
    OutboxEvent event = OutboxEvent.of("customer", "42", created);

    assertThat(event.toString())
        .isEqualTo(
            "io.tideway.contracts.customer.CustomerCreated " + event.id() + " of customer 42")
        .doesNotContain("ada@example.org");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", "\t"})
  void shouldFailOnBlankAggregateType(String aggregateType) {
    assertThatThrownBy(() -> OutboxEvent.of(aggregateType, "42", created))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("aggregateType must not be blank");
  }

  @ParameterizedTest
  @ValueSource(strings = {"customer events", "customer/eu", "kunde:de", "çustomer", "customer\n"})
  void shouldFailOnAggregateTypeThatCannotNameATopic(String aggregateType) {
    assertThatThrownBy(() -> OutboxEvent.of(aggregateType, "42", created))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("aggregateType '" + aggregateType + "' cannot name a Kafka topic")
        .hasMessageContaining("letters, digits, '.', '_' and '-'");
  }

  @Test
  void shouldAcceptAnAggregateTypeWhoseTopicIsExactly249Characters() {
    String longest = "a".repeat(249 - ".events".length());

    assertThat(OutboxEvent.of(longest, "42", created).topic()).hasSize(249);
  }

  @Test
  void shouldFailOnAggregateTypeWhoseTopicIsTooLong() {
    String aggregateType = "a".repeat(243);

    assertThatThrownBy(() -> OutboxEvent.of(aggregateType, "42", created))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("aggregateType")
        .hasMessageContaining("250 characters, over Kafka's limit of 249");
  }

  @Test
  void shouldAcceptValidAggregateTypeCharacters() {
    assertThat(OutboxEvent.of("Billing-EU_2.v1", "42", created).topic())
        .isEqualTo("Billing-EU_2.v1.events");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\n"})
  void shouldFailOnBlankAggregateId(String aggregateId) {
    assertThatThrownBy(() -> OutboxEvent.of("customer", aggregateId, created))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("aggregateId must not be blank");
  }

  @Test
  void shouldFailOnAggregateIdLongerThanItsColumn() {
    assertThatThrownBy(() -> OutboxEvent.of("customer", "x".repeat(256), created))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("aggregateId is 256 characters, over the outbox column's 255");
  }

  @Test
  void shouldFailOnAggregateIdWithNul() {
    assertThatThrownBy(() -> OutboxEvent.of("customer", "4\u00002", created))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("aggregateId must not contain the NUL character");
  }

  @Test
  void shouldFailOnMissingValues() {
    assertThatThrownBy(() -> OutboxEvent.of(null, "42", created))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("aggregateType");
    assertThatThrownBy(() -> OutboxEvent.of("customer", null, created))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("aggregateId");
    assertThatThrownBy(() -> OutboxEvent.of("customer", "42", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("record");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "garbage",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01", // uppercase
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", // trace id 31 digits
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01", // parent id 15 digits
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1", // flags 1 digit
        "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
        " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"
      })
  void shouldFailOnTraceparentNotInW3cFormat(String traceparent) {
    OutboxEvent event = OutboxEvent.of("customer", "42", created);

    assertThatThrownBy(() -> event.withTraceparent(traceparent))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("traceparent '" + traceparent + "' is not a W3C traceparent");
  }

  @Test
  void shouldFailOnTraceparentWithAllZeroIds() {
    OutboxEvent event = OutboxEvent.of("customer", "42", created);

    assertThatThrownBy(
            () -> event.withTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("traceparent")
        .hasMessageContaining("all-zero trace id");
    assertThatThrownBy(
            () -> event.withTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("traceparent")
        .hasMessageContaining("all-zero parent id");
  }

  @Test
  void shouldFailOnTraceparentVersionFf() {
    OutboxEvent event = OutboxEvent.of("customer", "42", created);

    assertThatThrownBy(
            () -> event.withTraceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("version ff");
  }

  @Test
  void shouldFailOnEventTypeLongerThanItsColumn() {
    Schema schema =
        SchemaBuilder.record("E" + "x".repeat(250)).namespace("io.example").fields().endRecord();

    assertThatThrownBy(() -> OutboxEvent.of("probe", "1", new GenericData.Record(schema)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("eventType 'io.example.Ex")
        .hasMessageContaining("262 characters, over the outbox column's 255");
  }
}
