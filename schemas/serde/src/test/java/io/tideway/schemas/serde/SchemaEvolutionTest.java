package io.tideway.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tideway.schemas.client.CompatibilityLevel;
import io.tideway.schemas.client.InMemorySchemaRegistry;
import io.tideway.schemas.serde.fixtures.Payment;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An old reader reads a newer writer's data and a new reader an older writer's. */
class SchemaEvolutionTest {

  private static final String TOPIC = "shipments";

  private static final Schema V1 =
      new Schema.Parser()
          .parse(
              """
              {"type":"record","name":"Shipment","namespace":"io.tideway.test","fields":[
                {"name":"id","type":"string"},
                {"name":"weightGrams","type":"int"}]}
              """);

  /** Version 2 adds a field with a default: BACKWARD-compatible. */
  private static final Schema V2 =
      new Schema.Parser()
          .parse(
              """
              {"type":"record","name":"Shipment","namespace":"io.tideway.test","fields":[
                {"name":"id","type":"string"},
                {"name":"weightGrams","type":"int"},
                {"name":"carrier","type":"string","default":"unknown"}]}
              """);

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

  @BeforeEach
  void registerBothVersions() {
    registry.setCompatibility("shipments-value", CompatibilityLevel.BACKWARD);
    registry.register("shipments-value", V1);
    registry.register("shipments-value", V2);
  }

  private byte[] write(GenericRecord record) {
    AvroSerializer<GenericRecord> serializer = new AvroSerializer<>(registry);
    serializer.configure(Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false), false);
    return serializer.serialize(TOPIC, record);
  }

  private GenericRecord readAs(Schema readerSchema, byte[] bytes) {
    AvroDeserializer<GenericRecord> deserializer = AvroDeserializer.generic(readerSchema, registry);
    deserializer.configure(Map.of(), false);
    return deserializer.deserialize(TOPIC, bytes);
  }

  @Test
  void shouldLetAnOldReaderReadANewWritersRecord() {
    // given a v2 record
    GenericRecord shipment = new GenericData.Record(V2);
    shipment.put("id", "s-1");
    shipment.put("weightGrams", 1200);
    shipment.put("carrier", "DHL");
    byte[] bytes = write(shipment);

    // when read with v1
    GenericRecord read = readAs(V1, bytes);

    // then the field v1 does not know is skipped
    assertThat(read.getSchema()).isEqualTo(V1);
    assertThat(read.get("id").toString()).isEqualTo("s-1");
    assertThat(read.get("weightGrams")).isEqualTo(1200);
    assertThat(read.hasField("carrier")).isFalse();
  }

  @Test
  void shouldLetANewReaderReadAnOldWritersRecord() {
    // given a v1 record
    GenericRecord shipment = new GenericData.Record(V1);
    shipment.put("id", "s-2");
    shipment.put("weightGrams", 300);
    byte[] bytes = write(shipment);

    // when read with v2
    GenericRecord read = readAs(V2, bytes);

    // then the field v1 lacks takes its default
    assertThat(read.getSchema()).isEqualTo(V2);
    assertThat(read.get("weightGrams")).isEqualTo(300);
    assertThat(read.get("carrier").toString()).isEqualTo("unknown");
  }

  @Test
  void shouldReadANewerWritersRecordAsAnOlderGeneratedClass() {
    // given Payment v2, written generically by a newer producer; the generated class is v1
    Schema paymentV2 =
        new Schema.Parser()
            .parse(
                """
                {"type":"record","name":"Payment","namespace":"io.tideway.schemas.serde.fixtures",
                 "fields":[
                  {"name":"id","type":"string"},
                  {"name":"amountCents","type":"long"},
                  {"name":"currency","type":"string","default":"EUR"}]}
                """);
    GenericRecord newer = new GenericData.Record(paymentV2);
    newer.put("id", "p-9");
    newer.put("amountCents", 990L);
    newer.put("currency", "CHF");
    AvroSerializer<GenericRecord> serializer = new AvroSerializer<>(registry);
    serializer.configure(Map.of(), false);
    byte[] bytes = serializer.serialize("payments", newer);
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(registry);
    deserializer.configure(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true), false);

    // when
    Object read = deserializer.deserialize("payments", bytes);

    // then
    assertThat(read).isEqualTo(Payment.newBuilder().setId("p-9").setAmountCents(990L).build());
  }

  @Test
  void shouldRefuseAReaderSchemaThatCannotReadTheWritersNamingBoth() {
    // given a reader that needs a field v1 lacks, without a default
    Schema demanding =
        new Schema.Parser()
            .parse(
                """
                {"type":"record","name":"Shipment","namespace":"io.tideway.test","fields":[
                  {"name":"id","type":"string"},
                  {"name":"insured","type":"boolean"}]}
                """);
    GenericRecord shipment = new GenericData.Record(V1);
    shipment.put("id", "s-3");
    shipment.put("weightGrams", 1);
    byte[] bytes = write(shipment);

    // when
    SerializationException e =
        catchThrowableOfType(SerializationException.class, () -> readAs(demanding, bytes));

    // then
    assertThat(e)
        .hasMessageContaining("topic 'shipments'")
        .hasMessageContaining("schema id 1")
        .hasMessageContaining("insured");
  }

  @Test
  void shouldNotTrustAClassByNameThatTheAvroCompilerDidNotGenerate() {
    // given a writer schema named like a JDK class
    Schema impostor =
        new Schema.Parser()
            .parse(
                """
                {"type":"record","name":"ProcessBuilder","namespace":"java.lang","fields":[
                  {"name":"command","type":"string"}]}
                """);
    GenericRecord record = new GenericData.Record(impostor);
    record.put("command", "true");
    AvroSerializer<GenericRecord> serializer = new AvroSerializer<>(registry);
    serializer.configure(Map.of(), false);
    byte[] bytes = serializer.serialize("commands", record);
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(registry);
    deserializer.configure(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true), false);

    // when
    SerializationException e =
        catchThrowableOfType(
            SerializationException.class, () -> deserializer.deserialize("commands", bytes));

    // then
    assertThat(e)
        .hasMessageContaining("no generated class java.lang.ProcessBuilder")
        .isInstanceOfSatisfying(
            NoGeneratedClassException.class,
            unknown -> assertThat(unknown.typeName()).isEqualTo("java.lang.ProcessBuilder"));
    assertThat(ClassSecurityValidator.getGlobal().isTrusted(ProcessBuilder.class)).isFalse();
  }
}
