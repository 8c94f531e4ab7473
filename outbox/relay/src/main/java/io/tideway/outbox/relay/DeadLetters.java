package io.tideway.outbox.relay;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Dead letters: outbox change events that break the contract. The record keeps what the row held —
 * key {@code aggregateid}, value the payload bytes untouched, headers {@code id}, {@code eventType}
 * and {@code aggregateType} where the row has them — and says what went wrong and where in headers
 * of its own: {@code error} (the message), {@code error.class}, {@code source} (the relay's source
 * name), {@code source.lsn} and {@code source.op}.
 */
final class DeadLetters {

  static final String ERROR = "error";
  static final String ERROR_CLASS = "error.class";
  static final String SOURCE = "source";
  static final String SOURCE_LSN = "source.lsn";
  static final String SOURCE_OP = "source.op";

  private final String topic;
  private final String sourceName;

  DeadLetters(String topic, String sourceName) {
    this.topic = topic;
    this.sourceName = sourceName;
  }

  String topic() {
    return topic;
  }

  ProducerRecord<byte[], byte[]> record(SourceRecord change, Exception error) {
    RecordHeaders headers = new RecordHeaders();
    Struct envelope = change.value() instanceof Struct struct ? struct : null;
    Struct row = envelope == null ? null : rowOf(envelope);
    byte[] key = null;
    byte[] value = null;
    if (row != null) {
      addText(headers, "id", field(row, "id"));
      addText(headers, "eventType", field(row, "type"));
      addText(headers, "aggregateType", field(row, "aggregatetype"));
      key = text(field(row, "aggregateid"));
      value = bytes(field(row, "payload"));
    }
    addText(headers, ERROR, error.getMessage() == null ? error.toString() : error.getMessage());
    addText(headers, ERROR_CLASS, error.getClass().getName());
    addText(headers, SOURCE, sourceName);
    Object lsn = change.sourceOffset() == null ? null : change.sourceOffset().get("lsn");
    addText(headers, SOURCE_LSN, lsn);
    addText(headers, SOURCE_OP, envelope == null ? null : field(envelope, "op"));
    return new ProducerRecord<>(topic, null, key, value, headers);
  }

  /** The row after the change, or before it for a change that removed it. */
  private static Struct rowOf(Struct envelope) {
    Object after = field(envelope, "after");
    Object row = after != null ? after : field(envelope, "before");
    return row instanceof Struct struct ? struct : null;
  }

  private static Object field(Struct struct, String name) {
    Field field = struct.schema().field(name);
    return field == null ? null : struct.get(field);
  }

  private static void addText(RecordHeaders headers, String name, Object value) {
    if (value != null) {
      headers.add(name, text(value));
    }
  }

  private static byte[] text(Object value) {
    return value == null ? null : value.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(Object value) {
    if (value instanceof byte[] array) {
      return array;
    }
    if (value instanceof ByteBuffer buffer) {
      // The whole buffer, as Kafka's converter takes it, which leaves the position at the end.
      ByteBuffer whole = buffer.duplicate().rewind();
      byte[] array = new byte[whole.remaining()];
      whole.get(array);
      return array;
    }
    return text(value);
  }
}
