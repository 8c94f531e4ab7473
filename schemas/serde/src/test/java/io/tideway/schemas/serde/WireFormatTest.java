package io.tideway.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tideway.schemas.client.CompatibilityLevel;
import io.tideway.schemas.client.InMemorySchemaRegistry;
import io.tideway.schemas.client.RegistryException;
import io.tideway.schemas.client.SchemaRegistryClient;
import io.tideway.schemas.client.SchemaVersion;
import io.tideway.schemas.serde.fixtures.Order;
import io.tideway.schemas.serde.fixtures.Payment;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class WireFormatTest {

  private static final String TOPIC = "orders";

  private static final Schema TINY =
      SchemaBuilder.record("Tiny").fields().requiredString("s").requiredInt("n").endRecord();

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry("mock://wire-test");
  private final AvroSerializer<Object> serializer = new AvroSerializer<>(registry);
  private final AvroDeserializer<Object> deserializer = new AvroDeserializer<>(registry);

  WireFormatTest() {
    serializer.configure(Map.of(), false);
    deserializer.configure(Map.of(), false);
  }

  private static SerializationException serializationError(Runnable call) {
    return catchThrowableOfType(SerializationException.class, call::run);
  }

  @Test
  void shouldWriteTheMagicByteThenTheIdBigEndianThenTheAvroBinary() {
    // given a registry that gives a schema the id 0x01020304
    AvroSerializer<GenericRecord> serializer = new AvroSerializer<>(new FixedIdRegistry(TINY));
    serializer.configure(Map.of(), false);
    GenericRecord tiny = new GenericData.Record(TINY);
    tiny.put("s", "ab");
    tiny.put("n", 3);

    // when
    byte[] bytes = serializer.serialize(TOPIC, tiny);

    // then: magic 0, id 1 2 3 4, then "ab" as length 2 (zig-zag 4) and 3 as zig-zag 6
    assertThat(bytes).containsExactly(0x0, 0x01, 0x02, 0x03, 0x04, 0x04, 'a', 'b', 0x06);
  }

  @Test
  void shouldCarryTheRegisteredIdInTheHeader() {
    // given
    registry.register("other-value", Payment.getClassSchema());

    // when
    byte[] bytes = serializer.serialize(TOPIC, Orders.order("o-1"));

    // then
    int id = registry.id("orders-value", Order.getClassSchema());
    assertThat(id).isEqualTo(2);
    assertThat(Arrays.copyOfRange(bytes, 0, 5)).containsExactly(0, 0, 0, 0, 2);
  }

  @Test
  void shouldRefuseAnotherMagicByteNamingTheTopicAndTheByte() {
    // given
    byte[] bytes = serializer.serialize(TOPIC, Orders.order("o-1"));
    bytes[0] = 0x7;

    // when
    SerializationException e = serializationError(() -> deserializer.deserialize(TOPIC, bytes));

    // then
    assertThat(e).hasMessageStartingWith("Unknown magic byte 0x7 in record from topic 'orders'");
  }

  @Test
  void shouldRefuseTextThatWasNotWrittenByTheAvroSerializer() {
    // when
    SerializationException e =
        serializationError(() -> deserializer.deserialize("orders", "{\"id\":1}".getBytes()));

    // then
    assertThat(e).hasMessageStartingWith("Unknown magic byte 0x7B in record from topic 'orders'");
  }

  @Test
  void shouldRefuseAnUnknownSchemaIdNamingTheIdTopicAndRegistry() {
    // given
    byte[] bytes = {0, 0, 0, 0, 99, 2, 'x'};

    // when
    SerializationException e = serializationError(() -> deserializer.deserialize(TOPIC, bytes));

    // then
    assertThat(e)
        .hasMessageContaining("Unknown schema id 99")
        .hasMessageContaining("topic 'orders'")
        .hasMessageContaining("mock://wire-test")
        .hasCauseInstanceOf(RegistryException.class);
  }

  @Test
  void shouldRefuseARecordShorterThanTheHeader() {
    // when
    SerializationException short3 =
        serializationError(() -> deserializer.deserialize(TOPIC, new byte[] {0, 0, 1}));
    SerializationException empty =
        serializationError(() -> deserializer.deserialize(TOPIC, new byte[0]));

    // then
    assertThat(short3)
        .hasMessageContaining("topic 'orders'")
        .hasMessageContaining("too short: 3 bytes")
        .hasMessageContaining("at least 5");
    assertThat(empty).hasMessageContaining("Empty record from topic 'orders'");
  }

  @Test
  void shouldRefuseAvroDataCutShortNamingTheTopicAndWriterSchema() {
    // given
    byte[] whole = serializer.serialize(TOPIC, Orders.order("o-1"));
    byte[] cut = Arrays.copyOf(whole, whole.length - 3);

    // when
    SerializationException e = serializationError(() -> deserializer.deserialize(TOPIC, cut));

    // then
    assertThat(e)
        .hasMessageContaining("topic 'orders'")
        .hasMessageContaining("truncated")
        .hasMessageContaining("writer schema id 1");
  }

  @Test
  void shouldRefuseBytesLeftOverAfterTheRecord() {
    // given
    byte[] whole = serializer.serialize(TOPIC, Orders.order("o-1"));
    byte[] longer = Arrays.copyOf(whole, whole.length + 2);

    // when
    SerializationException e = serializationError(() -> deserializer.deserialize(TOPIC, longer));

    // then
    assertThat(e)
        .hasMessageContaining("topic 'orders'")
        .hasMessageContaining("does not match its writer schema id 1")
        .hasMessageContaining("2 of its");
  }

  @Test
  void shouldRefuseBytesThatDoNotMatchTheWriterSchema() {
    // given the header of Tiny {s: string, n: int} before bytes that are no such record
    int id = registry.register("tiny-value", TINY);
    byte[] bytes = {0, 0, 0, 0, (byte) id, (byte) 0x81, 0x01};

    // when
    SerializationException e = serializationError(() -> deserializer.deserialize("tiny", bytes));

    // then
    assertThat(e)
        .hasMessageContaining("topic 'tiny'")
        .hasMessageContaining("does not match its writer schema id " + id);
  }

  @Test
  void shouldRefuseANegativeLengthAsAMismatch() {
    // given a string length of -1 (zig-zag 1)
    int id = registry.register("tiny-value", TINY);
    byte[] bytes = {0, 0, 0, 0, (byte) id, 0x01, 0x02};

    // when
    SerializationException e = serializationError(() -> deserializer.deserialize("tiny", bytes));

    // then
    assertThat(e).hasMessageContaining("does not match its writer schema id " + id);
  }

  @Test
  void shouldRefuseDataThatIsNotAvroNamingTheTopic() {
    // when
    SerializationException e = serializationError(() -> serializer.serialize(TOPIC, List.of(1)));

    // then
    assertThat(e).hasMessageContaining("topic 'orders'").hasMessageContaining("List");
  }

  @Test
  void shouldRefuseARecordWithANullInARequiredFieldNamingTheTopicAndSubject() {
    // given
    GenericRecord tiny = new GenericData.Record(TINY);
    tiny.put("n", 3);

    // when
    SerializationException e = serializationError(() -> serializer.serialize("tiny", tiny));

    // then
    assertThat(e)
        .hasMessageContaining("topic 'tiny'")
        .hasMessageContaining("subject 'tiny-value'")
        .hasMessageContaining("null");
  }

  @Test
  void shouldRefuseAnIncompatibleSchemaNamingTheField() {
    // given
    registry.register("tiny-value", TINY);
    Schema breaking =
        SchemaBuilder.record("Tiny")
            .fields()
            .requiredString("s")
            .requiredInt("n")
            .requiredLong("count")
            .endRecord();
    GenericRecord record = new GenericData.Record(breaking);
    record.put("s", "x");
    record.put("n", 1);
    record.put("count", 2L);

    // when
    SerializationException e = serializationError(() -> serializer.serialize("tiny", record));

    // then
    assertThat(e)
        .hasMessageContaining("Could not register the schema Tiny under subject 'tiny-value'")
        .hasMessageContaining("count");
  }

  @Test
  void shouldRefuseToWorkUnconfigured() {
    assertThatThrownBy(() -> new AvroSerializer<>().serialize(TOPIC, "x"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("schema.registry.url");
    assertThatThrownBy(() -> new AvroDeserializer<>().deserialize(TOPIC, new byte[5]))
        .isInstanceOf(IllegalStateException.class);
  }

  /** A registry that gives its one schema the id 0x01020304. */
  private static final class FixedIdRegistry implements SchemaRegistryClient {

    private static final int ID = 0x01020304;
    private final Schema schema;

    FixedIdRegistry(Schema schema) {
      this.schema = schema;
    }

    @Override
    public int register(String subject, Schema schema) {
      return ID;
    }

    @Override
    public int id(String subject, Schema schema) {
      return ID;
    }

    @Override
    public Schema schemaById(int id) {
      return schema;
    }

    @Override
    public SchemaVersion latest(String subject) {
      return new SchemaVersion(subject, 1, ID, schema.toString(), false);
    }

    @Override
    public SchemaVersion version(String subject, int version) {
      return latest(subject);
    }

    @Override
    public List<String> subjects() {
      return List.of();
    }

    @Override
    public List<Integer> versions(String subject) {
      return List.of(1);
    }

    @Override
    public CompatibilityLevel compatibilityOf(String subject) {
      return CompatibilityLevel.NONE;
    }

    @Override
    public CompatibilityLevel globalCompatibility() {
      return CompatibilityLevel.NONE;
    }

    @Override
    public void setCompatibility(String subject, CompatibilityLevel level) {}

    @Override
    public List<String> checkCompatibility(String subject, Schema schema) {
      return List.of();
    }

    @Override
    public List<Integer> deleteSubject(String subject, boolean permanent) {
      return List.of();
    }

    @Override
    public String url() {
      return "fixed://test";
    }

    @Override
    public void close() {}
  }
}
