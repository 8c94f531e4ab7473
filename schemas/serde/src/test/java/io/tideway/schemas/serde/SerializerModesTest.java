package io.tideway.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tideway.schemas.client.CompatibilityLevel;
import io.tideway.schemas.client.InMemorySchemaRegistry;
import io.tideway.schemas.client.MockSchemaRegistry;
import io.tideway.schemas.serde.fixtures.Order;
import io.tideway.schemas.serde.fixtures.Payment;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SerializerModesTest {

  private static final String SCOPE = "serializer-modes";
  private static final String URL = "mock://" + SCOPE;

  /** Payment version 2: adds a currency with a default. */
  private static final Schema PAYMENT_V2 =
      SchemaBuilder.record("Payment")
          .namespace("io.tideway.schemas.serde.fixtures")
          .fields()
          .requiredString("id")
          .requiredLong("amountCents")
          .name("currency")
          .type()
          .stringType()
          .stringDefault("EUR")
          .endRecord();

  private final InMemorySchemaRegistry registry = MockSchemaRegistry.scope(SCOPE);

  @AfterEach
  void dropScope() {
    MockSchemaRegistry.drop(SCOPE);
  }

  private static <T> AvroSerializer<T> serializer(Object... keysAndValues) {
    AvroSerializer<T> serializer = new AvroSerializer<>();
    serializer.configure(config(keysAndValues), false);
    return serializer;
  }

  private static <T> AvroDeserializer<T> deserializer(Object... keysAndValues) {
    AvroDeserializer<T> deserializer = new AvroDeserializer<>();
    deserializer.configure(config(keysAndValues), false);
    return deserializer;
  }

  private static Map<String, Object> config(Object... keysAndValues) {
    Map<String, Object> map = new HashMap<>();
    map.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, URL);
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  private static Payment payment() {
    return Payment.newBuilder().setId("p-1").setAmountCents(1250).build();
  }

  @Test
  void shouldShareAMockRegistryBetweenASerializerAndADeserializerConfiguredApart() {
    // given two instances configured by class name and the same URL, as a test would
    AvroSerializer<Order> serializer = serializer();
    AvroDeserializer<GenericRecord> deserializer = deserializer();

    // when
    GenericRecord read =
        deserializer.deserialize("orders", serializer.serialize("orders", Orders.order("o-1")));

    // then
    assertThat(read.get("id").toString()).isEqualTo("o-1");
    assertThat(registry.subjects()).containsExactly("orders-value");
  }

  @Test
  void shouldFailClearlyWhenAutoRegisterIsOffAndTheSchemaIsNotRegistered() {
    // given
    AvroSerializer<Payment> serializer =
        serializer(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false);

    // when
    SerializationException e =
        catchThrowableOfType(
            SerializationException.class, () -> serializer.serialize("payments", payment()));

    // then
    assertThat(e)
        .hasMessageContaining("io.tideway.schemas.serde.fixtures.Payment")
        .hasMessageContaining("topic 'payments'")
        .hasMessageContaining("not registered under subject 'payments-value'")
        .hasMessageContaining(URL)
        .hasMessageContaining("auto.register.schemas is false");
    assertThat(registry.subjects()).isEmpty();
  }

  @Test
  void shouldUseTheRegisteredIdWhenAutoRegisterIsOff() {
    // given
    int id = registry.register("payments-value", Payment.getClassSchema());
    AvroSerializer<Payment> serializer =
        serializer(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "false");

    // when
    byte[] bytes = serializer.serialize("payments", payment());

    // then
    assertThat(bytes[4]).isEqualTo((byte) id);
    assertThat(registry.versions("payments-value")).containsExactly(1);
  }

  @Test
  void shouldRegisterTheRecordsSchemaWhenAutoRegistrationIsOnAsConfluentDoes() {
    // given v1, then v2 registered by a newer producer
    registry.register("payments-value", Payment.getClassSchema());
    registry.register("payments-value", PAYMENT_V2);
    AvroSerializer<Payment> serializer =
        serializer(AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true);

    // when an old producer writes a v1 record with auto-registration on (the default)
    byte[] bytes = serializer.serialize("payments", payment());

    // then it is written under its own schema's id, not the latest's
    assertThat(bytes[4]).isEqualTo((byte) registry.id("payments-value", Payment.getClassSchema()));
  }

  @Test
  void shouldWriteWithTheLatestSchemaWhenAsked() {
    // given v1, then v2 registered by a newer producer
    registry.register("payments-value", Payment.getClassSchema());
    int v2 = registry.register("payments-value", PAYMENT_V2);
    AvroSerializer<Payment> serializer =
        serializer(
            AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true,
            AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false);

    // when an old producer writes a v1 record
    byte[] bytes = serializer.serialize("payments", payment());
    GenericRecord read = this.<GenericRecord>deserializer().deserialize("payments", bytes);

    // then it is written as v2, the missing field taking its default
    assertThat(Arrays.copyOfRange(bytes, 0, 5)).containsExactly(0, 0, 0, 0, v2);
    assertThat(read.getSchema()).isEqualTo(PAYMENT_V2);
    assertThat(read.get("amountCents")).isEqualTo(1250L);
    assertThat(read.get("currency").toString()).isEqualTo("EUR");
    assertThat(registry.versions("payments-value")).containsExactly(1, 2);
  }

  @Test
  void shouldWriteWithTheLatestIdWhenTheRecordsSchemaIsTheLatest() {
    // given
    int id = registry.register("payments-value", Payment.getClassSchema());
    AvroSerializer<Payment> serializer =
        serializer(
            AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true,
            AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false);

    // when
    byte[] bytes = serializer.serialize("payments", payment());

    // then
    assertThat(bytes[4]).isEqualTo((byte) id);
    AvroDeserializer<Payment> deserializer = AvroDeserializer.specific(Payment.class, registry);
    deserializer.configure(Map.of(), false);
    assertThat(deserializer.deserialize("payments", bytes)).isEqualTo(payment());
  }

  @Test
  void shouldRefuseARecordThatDoesNotFitTheLatestSchema() {
    // given a latest version that needs a field the record lacks, without a default
    Schema strict =
        SchemaBuilder.record("Payment")
            .namespace("io.tideway.schemas.serde.fixtures")
            .fields()
            .requiredString("id")
            .requiredLong("amountCents")
            .requiredString("merchant")
            .endRecord();
    registry.setCompatibility("payments-value", CompatibilityLevel.NONE);
    registry.register("payments-value", strict);
    AvroSerializer<Payment> serializer =
        serializer(
            AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true,
            AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false);

    // when
    SerializationException e =
        catchThrowableOfType(
            SerializationException.class, () -> serializer.serialize("payments", payment()));

    // then
    assertThat(e)
        .hasMessageContaining("topic 'payments'")
        .hasMessageContaining("does not fit the latest schema of subject 'payments-value'")
        .hasMessageContaining("version 1")
        .hasMessageContaining("merchant");
  }

  @Test
  void shouldRefuseALatestSchemaThatChangesOnlyALogicalType() {
    // given a latest version with another decimal scale, which Avro's compatibility ignores
    Schema cents = price(2);
    registry.setCompatibility("prices-value", CompatibilityLevel.NONE);
    registry.register("prices-value", price(4));
    GenericRecord price = new GenericData.Record(cents);
    price.put("amount", ByteBuffer.wrap(new BigDecimal("1.23").unscaledValue().toByteArray()));
    AvroSerializer<GenericRecord> serializer =
        serializer(
            AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true,
            AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false);

    // when / then: written as the latest, 1.23 would read as 0.0123
    assertThatThrownBy(() -> serializer.serialize("prices", price))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("does not fit the latest schema of subject 'prices-value'")
        .hasMessageContaining(
            "the logical type at .amount is decimal(10,2) in the record's schema and"
                + " decimal(10,4) in the latest");
  }

  @Test
  void shouldWriteAsALatestSchemaThatMakesALogicalValueOptional() {
    Schema required = price(2);
    Schema optional =
        SchemaBuilder.record("Price")
            .namespace("io.tideway.schemas.serde.fixtures")
            .fields()
            .name("amount")
            .type(
                Schema.createUnion(
                    Schema.create(Schema.Type.NULL),
                    LogicalTypes.decimal(10, 2).addToSchema(Schema.create(Schema.Type.BYTES))))
            .withDefault(null)
            .endRecord();
    registry.setCompatibility("prices-value", CompatibilityLevel.NONE);
    int latest = registry.register("prices-value", optional);
    GenericRecord price = new GenericData.Record(required);
    price.put("amount", ByteBuffer.wrap(new BigDecimal("1.23").unscaledValue().toByteArray()));
    AvroSerializer<GenericRecord> serializer =
        serializer(
            AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true,
            AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false);

    byte[] written = serializer.serialize("prices", price);

    assertThat(ByteBuffer.wrap(written, 1, 4).getInt()).isEqualTo(latest);
  }

  private static Schema price(int scale) {
    return SchemaBuilder.record("Price")
        .namespace("io.tideway.schemas.serde.fixtures")
        .fields()
        .name("amount")
        .type(LogicalTypes.decimal(10, scale).addToSchema(Schema.create(Schema.Type.BYTES)))
        .noDefault()
        .endRecord();
  }

  @Test
  void shouldPrepareASchemaAsItsFirstRecordWouldBeWrittenInEachMode() {
    int v1 = registry.register("payments-value", Payment.getClassSchema());
    int v2 = registry.register("payments-value", PAYMENT_V2);

    assertThat(
            serializer(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false)
                .prepare("payments", Payment.getClassSchema()))
        .isEqualTo(v1);
    assertThat(
            serializer(
                    AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true,
                    AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false)
                .prepare("payments", Payment.getClassSchema()))
        .isEqualTo(v2);
    int orders = serializer().prepare("orders", Order.getClassSchema());
    assertThat(registry.latest("orders-value").id()).isEqualTo(orders);
    assertThatThrownBy(
            () ->
                serializer(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false)
                    .prepare("refunds", Payment.getClassSchema()))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("is not registered under subject 'refunds-value'");
  }

  @Test
  void shouldWriteOnceALaterLatestVersionCanReadTheRecordThoughItDiffersOnlyByAnAlias() {
    // given a latest version whose field the record names otherwise: refused
    Schema renamed =
        SchemaBuilder.record("Payment")
            .namespace("io.tideway.schemas.serde.fixtures")
            .fields()
            .requiredString("id")
            .requiredLong("cents")
            .endRecord();
    registry.setCompatibility("payments-value", CompatibilityLevel.NONE);
    registry.register("payments-value", renamed);
    AvroSerializer<Payment> serializer =
        serializer(
            AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true,
            AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false,
            AvroSerdeConfig.LATEST_CACHE_TTL_SEC_CONFIG, 0);
    assertThatThrownBy(() -> serializer.serialize("payments", payment()))
        .hasMessageContaining("cents");

    // when the next version gives the field the record's name as an alias (equal to the last
    // one for Avro's Schema.equals, which leaves aliases out)
    Schema aliased =
        new Schema.Parser()
            .parse(
                renamed
                    .toString()
                    .replace(
                        "{\"name\":\"cents\"",
                        "{\"name\":\"cents\",\"aliases\":[\"amountCents\"]"));
    int v2 = registry.register("payments-value", aliased);

    // then the record is written as that version
    byte[] bytes = serializer.serialize("payments", payment());
    assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(v2);
  }

  @Test
  void shouldRefuseToWriteWithTheLatestSchemaOfASubjectWithoutVersions() {
    // given
    AvroSerializer<Payment> serializer =
        serializer(
            AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true,
            AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false);

    // when
    SerializationException e =
        catchThrowableOfType(
            SerializationException.class, () -> serializer.serialize("payments", payment()));

    // then
    assertThat(e)
        .hasMessageContaining("latest schema of subject 'payments-value'")
        .hasMessageContaining("use.latest.version is true");
  }

  @Test
  void shouldFailWithinItsBoundsNamingTheUrlWhenTheRegistryIsUnreachable() throws IOException {
    // given
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port;
    AvroSerializer<Payment> serializer = new AvroSerializer<>();
    serializer.configure(
        Map.of(
            AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, url,
            AvroSerdeConfig.CONNECT_TIMEOUT_MS_CONFIG, 500,
            AvroSerdeConfig.REQUEST_TIMEOUT_MS_CONFIG, 1000,
            AvroSerdeConfig.RETRIES_WAIT_MS_CONFIG, 20,
            AvroSerdeConfig.RETRIES_MAX_WAIT_MS_CONFIG, 50),
        false);
    long started = System.nanoTime();

    // when
    SerializationException e =
        catchThrowableOfType(
            SerializationException.class, () -> serializer.serialize("payments", payment()));
    serializer.close();

    // then
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    assertThat(e)
        .hasMessageContaining("topic 'payments'")
        .hasMessageContaining("subject 'payments-value'")
        .hasMessageContaining(url)
        .hasMessageContaining("unreachable");
  }
}
