package io.tideway.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.temporal.TemporalAccessor;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * Renders Avro values and store values as JSON a person reads: Avro records field by field, logical
 * types as their natural text (decimals as numbers, timestamps as ISO-8601, UUIDs as strings),
 * bytes in base64, and anything else as Jackson sees it.
 */
public final class AvroJson {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ObjectMapper json;

  /**
   * @param json renders what is not Avro
   */
  public AvroJson(ObjectMapper json) {
    this.json = json;
  }

  /** The value as JSON; a {@link ValueAndTimestamp} as its value, null as JSON null. */
  public JsonNode render(Object value) {
    if (value == null) {
      return NODES.nullNode();
    }
    if (value instanceof ValueAndTimestamp) {
      return render(((ValueAndTimestamp<?>) value).value());
    }
    if (value instanceof IndexedRecord) {
      IndexedRecord record = (IndexedRecord) value;
      ObjectNode node = NODES.objectNode();
      for (Schema.Field field : record.getSchema().getFields()) {
        node.set(field.name(), render(record.get(field.pos())));
      }
      return node;
    }
    if (value instanceof CharSequence
        || value instanceof UUID
        || value instanceof GenericEnumSymbol
        || value instanceof Enum
        || value instanceof TemporalAccessor) {
      return NODES.textNode(value.toString());
    }
    if (value instanceof BigDecimal) {
      return NODES.numberNode((BigDecimal) value);
    }
    if (value instanceof ByteBuffer) {
      ByteBuffer bytes = ((ByteBuffer) value).duplicate();
      byte[] copy = new byte[bytes.remaining()];
      bytes.get(copy);
      return NODES.textNode(Base64.getEncoder().encodeToString(copy));
    }
    if (value instanceof GenericFixed) {
      return NODES.textNode(Base64.getEncoder().encodeToString(((GenericFixed) value).bytes()));
    }
    if (value instanceof Collection) {
      ArrayNode array = NODES.arrayNode();
      ((Collection<?>) value).forEach(item -> array.add(render(item)));
      return array;
    }
    if (value instanceof Map) {
      ObjectNode node = NODES.objectNode();
      ((Map<?, ?>) value).forEach((k, v) -> node.set(String.valueOf(k), render(v)));
      return node;
    }
    if (value instanceof GenericContainer) {
      return NODES.textNode(value.toString());
    }
    return json.valueToTree(value);
  }
}
