package io.tideway.outbox.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class OutboxContractTest {

  private static final Schema ROW =
      SchemaBuilder.struct()
          .field("id", Schema.STRING_SCHEMA)
          .field("aggregatetype", Schema.OPTIONAL_STRING_SCHEMA)
          .field("aggregateid", Schema.OPTIONAL_STRING_SCHEMA)
          .field("payload", Schema.OPTIONAL_BYTES_SCHEMA)
          .optional()
          .build();
  private static final Schema SOURCE =
      SchemaBuilder.struct().field("ts_ms", Schema.INT64_SCHEMA).build();
  private static final Schema ENVELOPE =
      SchemaBuilder.struct()
          .field("before", ROW)
          .field("after", ROW)
          .field("source", SOURCE)
          .field("op", Schema.STRING_SCHEMA)
          .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
          .build();
  private static final long COMMITTED_AT = 1_700_000_000_123L;
  private static final long READ_AT = 1_700_000_009_999L;

  private final OutboxContract<SourceRecord> contract = new OutboxContract<>();

  @Test
  void addsTheCommitTimeAsHeaderAndEnvelopeTimestamp() {
    SourceRecord inserted = change("c", row("customer", "c-1", new byte[] {0, 0, 0, 0, 7, 1}));

    SourceRecord checked = contract.apply(inserted);

    assertThat(checked.headers().lastWithName("occurredAt").value())
        .isEqualTo(Long.toString(COMMITTED_AT));
    assertThat(((Struct) checked.value()).getInt64("ts_ms")).isEqualTo(COMMITTED_AT);
    assertThat(((Struct) checked.value()).getStruct("after"))
        .isEqualTo(((Struct) inserted.value()).getStruct("after"));
    assertThat(((Struct) inserted.value()).getInt64("ts_ms")).isEqualTo(READ_AT);
    assertThat(inserted.headers().isEmpty()).isTrue();
  }

  @Test
  void acceptsAnEmptyAvroBodyAndANullPayload() {
    assertThat(contract.apply(change("c", row("customer", "c-1", new byte[] {0, 0, 0, 0, 7}))))
        .isNotNull();
    assertThat(contract.apply(change("r", row("customer", "c-1", null)))).isNotNull();
  }

  @Test
  void rejectsARowWithoutAggregateTypeOrId() {
    assertThatThrownBy(() -> contract.apply(change("c", row(null, "c-1", wire()))))
        .isInstanceOf(DataException.class)
        .hasMessage("Outbox row e-1: aggregatetype is null");
    assertThatThrownBy(() -> contract.apply(change("c", row("customer", " ", wire()))))
        .isInstanceOf(DataException.class)
        .hasMessage("Outbox row e-1: aggregateid is blank");
  }

  @Test
  void rejectsAPayloadNotInTheWireFormat() {
    assertThatThrownBy(
            () ->
                contract.apply(change("c", row("customer", "c-1", new byte[] {'{', '}', 0, 0, 0}))))
        .isInstanceOf(DataException.class)
        .hasMessage(
            "Outbox row e-1: payload starts with byte 0x7b, not the wire format's magic byte 0x00");
    assertThatThrownBy(() -> contract.apply(change("c", row("customer", "c-1", new byte[] {0, 0}))))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("payload is 2 bytes, shorter than the wire format's 5-byte prefix");
  }

  @Test
  void passesUpdatesDeletesAndOtherRecordsThroughUntouched() {
    SourceRecord update = change("u", row(null, null, new byte[] {9}));
    SourceRecord delete = change("d", null);
    SourceRecord heartbeat =
        new SourceRecord(Map.of(), Map.of(), "__debezium-heartbeat.tideway", null, "beat");

    assertThat(contract.apply(update)).isSameAs(update);
    assertThat(contract.apply(delete)).isSameAs(delete);
    assertThat(contract.apply(heartbeat)).isSameAs(heartbeat);
  }

  private static byte[] wire() {
    return new byte[] {0, 0, 0, 0, 1, 2};
  }

  private static Struct row(String aggregateType, String aggregateId, byte[] payload) {
    return new Struct(ROW)
        .put("id", "e-1")
        .put("aggregatetype", aggregateType)
        .put("aggregateid", aggregateId)
        .put("payload", payload);
  }

  private static SourceRecord change(String op, Struct after) {
    Struct envelope =
        new Struct(ENVELOPE)
            .put("after", after)
            .put("source", new Struct(SOURCE).put("ts_ms", COMMITTED_AT))
            .put("op", op)
            .put("ts_ms", READ_AT);
    return new SourceRecord(
        Map.of(), Map.of("lsn", 1L), "tideway.customer.public.outbox", null, ENVELOPE, envelope);
  }
}
