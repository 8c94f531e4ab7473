package io.tideway.outbox.connect;

import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Headers;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Holds Debezium change events of the outbox table to Tideway's contract, just before Debezium's
 * {@code EventRouter} turns them into events. For an inserted row it
 *
 * <ul>
 *   <li>rejects, with a {@link DataException} naming the event id and the column, a row whose
 *       {@code aggregatetype} or {@code aggregateid} is null or blank, or whose {@code payload} is
 *       not in the Confluent wire format (magic byte {@code 0} and a 4-byte schema id before the
 *       Avro body, which may be empty);
 *   <li>adds the header {@code occurredAt}: the commit time of the row's transaction ({@code
 *       source.ts_ms}), in epoch milliseconds, as a decimal string;
 *   <li>sets the envelope's {@code ts_ms} to the same commit time, so the record timestamp the
 *       EventRouter gives the event is the commit time too, not the moment Debezium read it — the
 *       same for every relay that reads the same row.
 * </ul>
 *
 * Every other record (updates and deletes, which the EventRouter handles, heartbeats, tombstones)
 * passes through unchanged. The transformation is stateless and has no settings; it needs only the
 * Kafka Connect API, so the same jar serves the embedded relay and a Kafka Connect worker's plugin
 * path.
 */
public final class OutboxContract<R extends ConnectRecord<R>> implements Transformation<R> {

  /** The header carrying the commit time, in epoch milliseconds. */
  public static final String OCCURRED_AT_HEADER = "occurredAt";

  /** Length of the Confluent wire format's prefix: the magic byte and the schema id. */
  static final int WIRE_FORMAT_PREFIX = 5;

  private static final byte MAGIC_BYTE = 0;

  @Override
  public R apply(R record) {
    if (!(record.value() instanceof Struct envelope) || !isInsert(envelope)) {
      return record;
    }
    Struct row = envelope.getStruct("after");
    Struct source = envelope.getStruct("source");
    if (row == null || source == null) {
      return record;
    }
    check(row);
    long committedAt = source.getInt64("ts_ms");
    Headers headers = record.headers().duplicate();
    headers.addString(OCCURRED_AT_HEADER, Long.toString(committedAt));
    return record.newRecord(
        record.topic(),
        record.kafkaPartition(),
        record.keySchema(),
        record.key(),
        record.valueSchema(),
        withTimestamp(envelope, committedAt),
        record.timestamp(),
        headers);
  }

  private static boolean isInsert(Struct envelope) {
    Field op = envelope.schema().field("op");
    if (op == null) {
      return false;
    }
    Object code = envelope.get(op);
    // "r" is a snapshot read: a row that exists already is published like an inserted one.
    return "c".equals(code) || "r".equals(code);
  }

  private static void check(Struct row) {
    Object id = row.schema().field("id") == null ? null : row.get("id");
    requireText(row, "aggregatetype", id);
    requireText(row, "aggregateid", id);
    Field payloadField = row.schema().field("payload");
    if (payloadField == null) {
      throw new DataException("Outbox row " + id + " has no payload column");
    }
    Object payload = row.get(payloadField);
    if (payload == null) {
      return; // a null payload is the EventRouter's tombstone for the aggregate
    }
    byte[] bytes = bytes(payload, id);
    if (bytes.length < WIRE_FORMAT_PREFIX) {
      throw new DataException(
          "Outbox row "
              + id
              + ": payload is "
              + bytes.length
              + " bytes, shorter than the wire format's "
              + WIRE_FORMAT_PREFIX
              + "-byte prefix (magic byte and schema id)");
    }
    if (bytes[0] != MAGIC_BYTE) {
      throw new DataException(
          String.format(
              "Outbox row %s: payload starts with byte 0x%02x, not the wire format's magic byte 0x00",
              id, bytes[0]));
    }
  }

  private static byte[] bytes(Object payload, Object id) {
    if (payload instanceof byte[] array) {
      return array;
    }
    if (payload instanceof ByteBuffer buffer) {
      byte[] array = new byte[buffer.remaining()];
      buffer.duplicate().get(array);
      return array;
    }
    throw new DataException(
        "Outbox row "
            + id
            + ": payload is a "
            + payload.getClass().getSimpleName()
            + ", not bytes; the connector must run with binary.handling.mode=bytes");
  }

  private static void requireText(Struct row, String column, Object id) {
    Object value = row.schema().field(column) == null ? null : row.get(column);
    if (value == null || value.toString().isBlank()) {
      throw new DataException(
          "Outbox row " + id + ": " + column + " is " + (value == null ? "null" : "blank"));
    }
  }

  private static Struct withTimestamp(Struct envelope, long committedAt) {
    Schema schema = envelope.schema();
    Struct copy = new Struct(schema);
    for (Field field : schema.fields()) {
      copy.put(field, field.name().equals("ts_ms") ? committedAt : envelope.get(field));
    }
    return copy;
  }

  @Override
  public ConfigDef config() {
    return new ConfigDef();
  }

  @Override
  public void configure(Map<String, ?> configs) {}

  @Override
  public void close() {}
}
