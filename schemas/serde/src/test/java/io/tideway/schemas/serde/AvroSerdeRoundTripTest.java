package io.tideway.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tideway.schemas.client.CompatibilityLevel;
import io.tideway.schemas.client.InMemorySchemaRegistry;
import io.tideway.schemas.serde.fixtures.Order;
import io.tideway.schemas.serde.fixtures.OrderStatus;
import io.tideway.schemas.serde.fixtures.Payment;
import io.tideway.schemas.serde.fixtures.Reversal;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeRoundTripTest {

  private static final String TOPIC = "orders";

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

  private <T> AvroSerializer<T> serializer(Map<String, ?> configs) {
    AvroSerializer<T> serializer = new AvroSerializer<>(registry);
    serializer.configure(configs, false);
    return serializer;
  }

  private <T> AvroDeserializer<T> deserializer(Map<String, ?> configs) {
    AvroDeserializer<T> deserializer = new AvroDeserializer<>(registry);
    deserializer.configure(configs, false);
    return deserializer;
  }

  @Test
  void shouldRoundTripASpecificRecordWithDecimalsNullsCollectionsAndTimestamps() {
    // given
    Order order = Orders.order("o-1");
    AvroSerializer<Order> serializer = serializer(Map.of());
    AvroDeserializer<Order> deserializer = AvroDeserializer.specific(Order.class, registry);
    deserializer.configure(Map.of(), false);

    // when
    Order read = deserializer.deserialize(TOPIC, serializer.serialize(TOPIC, order));

    // then
    assertThat(read).isEqualTo(order);
    assertThat(read.getTotal()).isEqualByComparingTo("1234.50");
    assertThat(read.getCustomer()).isNull();
    assertThat(registry.subjects()).containsExactly("orders-value");
  }

  @Test
  void shouldReadGenericRecordsInTheWritersSchemaByDefault() {
    // given
    Order order = Orders.order("o-1");
    byte[] bytes = serializer(Map.of()).serialize(TOPIC, order);

    // when
    GenericRecord read = this.<GenericRecord>deserializer(Map.of()).deserialize(TOPIC, bytes);

    // then
    assertThat(read).isNotInstanceOf(Order.class);
    assertThat(read.getSchema()).isEqualTo(Order.getClassSchema());
    assertThat(read.get("id").toString()).isEqualTo("o-1");
    assertThat(read.get("customer")).isNull();
    assertThat(read.get("status").toString()).isEqualTo("PAID");
    // without logical type conversions a decimal stays its bytes, as in Confluent's serde
    assertThat(read.get("total")).isInstanceOf(ByteBuffer.class);
  }

  @Test
  void shouldCarryLogicalTypesAsJavaTypesInGenericRecordsWhenAsked() {
    // given
    Map<String, Object> configs =
        Map.of(AvroSerdeConfig.AVRO_USE_LOGICAL_TYPE_CONVERTERS_CONFIG, true);
    Schema decimal = LogicalTypes.decimal(9, 3).addToSchema(Schema.create(Schema.Type.BYTES));
    Schema uuid = LogicalTypes.uuid().addToSchema(Schema.create(Schema.Type.STRING));
    Schema schema =
        SchemaBuilder.record("Price")
            .namespace("io.tideway.test")
            .fields()
            .name("amount")
            .type(decimal)
            .noDefault()
            .name("reference")
            .type(uuid)
            .noDefault()
            .optionalString("note")
            .endRecord();
    GenericRecord price = new GenericData.Record(schema);
    price.put("amount", new BigDecimal("19.990"));
    UUID reference = UUID.randomUUID();
    price.put("reference", reference);

    // when
    byte[] bytes = this.<GenericRecord>serializer(configs).serialize("prices", price);
    GenericRecord read = this.<GenericRecord>deserializer(configs).deserialize("prices", bytes);

    // then
    assertThat(read.get("amount")).isEqualTo(new BigDecimal("19.990"));
    assertThat(read.get("reference")).isEqualTo(reference);
    assertThat(read.get("note")).isNull();
  }

  @Test
  void shouldRoundTripAGenericDecimalAsBytesWithoutConversions() {
    // given
    Schema decimal = LogicalTypes.decimal(9, 2).addToSchema(Schema.create(Schema.Type.BYTES));
    Schema schema =
        SchemaBuilder.record("Price").fields().name("amount").type(decimal).noDefault().endRecord();
    ByteBuffer encoded =
        new Conversions.DecimalConversion()
            .toBytes(new BigDecimal("7.25"), decimal, decimal.getLogicalType());
    GenericRecord price = new GenericData.Record(schema);
    price.put("amount", encoded);

    // when
    byte[] bytes = this.<GenericRecord>serializer(Map.of()).serialize("prices", price);
    GenericRecord read = this.<GenericRecord>deserializer(Map.of()).deserialize("prices", bytes);

    // then
    BigDecimal amount =
        new Conversions.DecimalConversion()
            .fromBytes((ByteBuffer) read.get("amount"), decimal, decimal.getLogicalType());
    assertThat(amount).isEqualTo(new BigDecimal("7.25"));
  }

  @Test
  void shouldReadSpecificRecordsFoundByTheWritersNameWhenSpecificAvroReaderIsTrue() {
    // given
    Map<String, Object> configs = Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, "true");
    byte[] bytes = serializer(configs).serialize(TOPIC, Orders.order("o-2"));

    // when
    Object read = deserializer(configs).deserialize(TOPIC, bytes);

    // then
    assertThat(read).isInstanceOf(Order.class).isEqualTo(Orders.order("o-2"));
    assertThat(((Order) read).getStatus()).isEqualTo(OrderStatus.PAID);
  }

  @Test
  void shouldReadEachRecordOfATopLevelUnionAsItsGeneratedClassWhenSpecificAvroReaderIsTrue() {
    // given: one topic for several record types, its schema their union
    registry.register(
        TOPIC + "-value",
        Schema.createUnion(
            Schema.create(Schema.Type.NULL), Order.getClassSchema(), Payment.getClassSchema()));
    byte[] bytes = asTheUnion().serialize(TOPIC, Orders.order("o-4"));

    // when
    Object read =
        deserializer(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true))
            .deserialize(TOPIC, bytes);

    // then
    assertThat(read).isInstanceOf(Order.class).isEqualTo(Orders.order("o-4"));
  }

  @Test
  void shouldReadTheLogicalTypesInsideUnionsOfEveryBranchOfATopLevelUnion() {
    // given: a branch after the first whose logical types sit inside unions, which its generated
    // class leaves to its model's conversions
    registry.register(
        TOPIC + "-value", Schema.createUnion(Payment.getClassSchema(), Reversal.getClassSchema()));
    Reversal reversal =
        Reversal.newBuilder()
            .setId("r-1")
            .setAmount(new BigDecimal("12.50"))
            .setRefundedAt(Instant.ofEpochMilli(1_700_000_000_000L))
            .build();
    byte[] bytes = asTheUnion().serialize(TOPIC, reversal);

    // when
    Object read =
        deserializer(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true))
            .deserialize(TOPIC, bytes);

    // then
    assertThat(read).isInstanceOf(Reversal.class).isEqualTo(reversal);
    assertThat(((Reversal) read).getRefundedAt())
        .isEqualTo(Instant.ofEpochMilli(1_700_000_000_000L));
  }

  @Test
  void shouldRefuseAUnionWithABranchItHasNoClassForAsARecordItCannotReadNotOfAnUnknownType() {
    // given: a union a producer grew by a type this reader has no class for
    Schema refund =
        Schema.createRecord(
            "Refund",
            null,
            Order.getClassSchema().getNamespace(),
            false,
            List.of(new Schema.Field("id", Schema.create(Schema.Type.STRING))));
    registry.register(
        TOPIC + "-value",
        Schema.createUnion(
            Schema.create(Schema.Type.NULL),
            Order.getClassSchema(),
            Payment.getClassSchema(),
            refund));
    byte[] bytes = asTheUnion().serialize(TOPIC, Orders.order("o-5"));

    // when
    Throwable e =
        catchThrowable(
            () ->
                deserializer(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true))
                    .deserialize(TOPIC, bytes));

    // then: the record is an Order, which a consumer must not skip as of a type it does not know
    assertThat(e)
        .isInstanceOf(SerializationException.class)
        .isNotInstanceOf(NoGeneratedClassException.class)
        .hasMessageContaining("no generated class");
  }

  @Test
  void shouldReadAsTheConfiguredSpecificType() {
    // given
    Map<String, Object> configs =
        Map.of(
            AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG,
            true,
            AvroSerdeConfig.SPECIFIC_AVRO_VALUE_TYPE_CONFIG,
            Order.class.getName());
    byte[] bytes = serializer(configs).serialize(TOPIC, Orders.order("o-3"));

    // when
    Object read = deserializer(configs).deserialize(TOPIC, bytes);

    // then
    assertThat(read).isInstanceOf(Order.class);
  }

  @Test
  void shouldReadGenericRecordsFromTheGenericSerdeWhateverTheConfigurationSays() {
    // given
    Map<String, Object> configs = Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true);
    AvroSerde<GenericRecord> serde = AvroSerde.generic(registry).configured(configs, false);
    byte[] bytes = serializer(Map.of()).serialize(TOPIC, Orders.order("o-4"));

    // when
    GenericRecord read = serde.deserializer().deserialize(TOPIC, bytes);

    // then
    assertThat(read).isNotInstanceOf(Order.class);
    assertThat(read.get("id").toString()).isEqualTo("o-4");
  }

  @Test
  void shouldRoundTripPrimitives() {
    // given a subject that takes any schema: each primitive type breaks the one before
    registry.setCompatibility("primitives-value", CompatibilityLevel.NONE);
    AvroSerializer<Object> serializer = serializer(Map.of());
    AvroDeserializer<Object> deserializer = deserializer(Map.of());

    for (Object value : new Object[] {"text", 42, 42L, 1.5f, 2.5d, true, new byte[] {1, 2, 3}}) {
      // when
      Object read =
          deserializer.deserialize("primitives", serializer.serialize("primitives", value));

      // then
      assertThat(read).as("%s", value.getClass()).isEqualTo(value);
    }
    assertThat(registry.versions("primitives-value")).hasSize(7);
  }

  @Test
  void shouldPassTombstonesThroughAsNull() {
    // given
    AvroSerializer<Order> serializer = serializer(Map.of());
    AvroDeserializer<Order> deserializer = deserializer(Map.of());
    AvroSerializer<Order> keySerializer = new AvroSerializer<>(registry);
    keySerializer.configure(Map.of(), true);

    // when / then
    assertThat(serializer.serialize(TOPIC, null)).isNull();
    assertThat(keySerializer.serialize(TOPIC, null)).isNull();
    assertThat(deserializer.deserialize(TOPIC, null)).isNull();
    assertThat(registry.subjects()).isEmpty();
  }

  @Test
  void shouldRegisterKeysAndValuesUnderTheirOwnSubjects() {
    // given
    AvroSerde<Order> keys = AvroSerde.specific(Order.class, registry).configured(Map.of(), true);
    AvroSerde<Order> values = AvroSerde.specific(Order.class, registry).configured(Map.of(), false);

    // when
    byte[] key = keys.serializer().serialize(TOPIC, Orders.order("k"));
    byte[] value = values.serializer().serialize(TOPIC, Orders.order("v"));

    // then
    assertThat(registry.subjects()).containsExactly("orders-key", "orders-value");
    assertThat(keys.deserializer().deserialize(TOPIC, key).getId()).isEqualTo("k");
    assertThat(values.deserializer().deserialize(TOPIC, value).getId()).isEqualTo("v");
  }

  /** A serializer that writes with the subject's latest schema, the union, registering nothing. */
  private AvroSerializer<Object> asTheUnion() {
    return serializer(
        Map.of(
            AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG,
            false,
            AvroSerdeConfig.USE_LATEST_VERSION_CONFIG,
            true));
  }
}
