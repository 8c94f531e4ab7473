package io.tideway.topology;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 *
 * <p>One streaming rendering serves every form: {@link #streamed} writes straight into an answer
 * being serialized (no tree per value, which a key lookup under load cannot afford), {@link #text}
 * into a string, and {@link #render} into a tree.
 */
public final class AvroJson {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ObjectMapper json;

  /** Reads a rendering back as a tree, decimals as written (12.30 stays 12.30). */
  private final ObjectReader trees;

  /**
   * @param json renders what is not Avro
   */
  public AvroJson(ObjectMapper json) {
    this.json = json;
    this.trees = json.reader().without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);
  }

  /**
   * A mapper that reads JSON numbers with a fraction as written, as {@link java.math.BigDecimal}
   * with their scale (12.30 stays 12.30, and 17 digits stay 17 digits), for whoever reads a
   * rendering back from its text: a plain mapper reads them as doubles.
   */
  public static ObjectMapper exactMapper() {
    return JsonMapper.builder()
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
        .build();
  }

  /** The value as a JSON tree; a {@link ValueAndTimestamp} as its value, null as JSON null. */
  public JsonNode render(Object value) {
    try (TokenBuffer rendered = new TokenBuffer(json, false)) {
      json.writeValue(rendered, serializable(value));
      return trees.readTree(rendered.asParser());
    } catch (IOException e) {
      throw new UncheckedIOException("Could not render " + value.getClass().getName(), e);
    }
  }

  /** The value as JSON text, rendered as {@link #render} does. */
  public String text(Object value) {
    try {
      return json.writeValueAsString(serializable(value));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("Could not render " + value.getClass().getName(), e);
    }
  }

  /**
   * The value as a node that writes itself when the tree holding it is serialized, rendered as
   * {@link #render} does.
   */
  public JsonNode streamed(Object value) {
    return NODES.pojoNode(serializable(value));
  }

  private static JsonSerializable serializable(Object value) {
    return new JsonSerializable.Base() {
      @Override
      public void serialize(JsonGenerator out, SerializerProvider provider) throws IOException {
        write(out, value, provider);
      }

      @Override
      public void serializeWithType(
          JsonGenerator out, SerializerProvider provider, TypeSerializer type) throws IOException {
        serialize(out, provider);
      }
    };
  }

  private static void write(JsonGenerator out, Object value, SerializerProvider provider)
      throws IOException {
    if (value == null) {
      out.writeNull();
    } else if (value instanceof ValueAndTimestamp) {
      write(out, ((ValueAndTimestamp<?>) value).value(), provider);
    } else if (value instanceof IndexedRecord) {
      IndexedRecord record = (IndexedRecord) value;
      out.writeStartObject();
      for (Schema.Field field : record.getSchema().getFields()) {
        out.writeFieldName(field.name());
        write(out, record.get(field.pos()), provider);
      }
      out.writeEndObject();
    } else if (value instanceof CharSequence
        || value instanceof UUID
        || value instanceof GenericEnumSymbol
        || value instanceof Enum
        || value instanceof TemporalAccessor) {
      out.writeString(value.toString());
    } else if (value instanceof BigDecimal) {
      out.writeNumber((BigDecimal) value);
    } else if (value instanceof ByteBuffer) {
      ByteBuffer bytes = ((ByteBuffer) value).duplicate();
      byte[] copy = new byte[bytes.remaining()];
      bytes.get(copy);
      out.writeString(Base64.getEncoder().encodeToString(copy));
    } else if (value instanceof GenericFixed) {
      out.writeString(Base64.getEncoder().encodeToString(((GenericFixed) value).bytes()));
    } else if (value instanceof Collection) {
      out.writeStartArray();
      for (Object item : (Collection<?>) value) {
        write(out, item, provider);
      }
      out.writeEndArray();
    } else if (value instanceof Map) {
      out.writeStartObject();
      for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
        out.writeFieldName(String.valueOf(entry.getKey()));
        write(out, entry.getValue(), provider);
      }
      out.writeEndObject();
    } else if (value instanceof GenericContainer) {
      out.writeString(value.toString());
    } else {
      provider.defaultSerializeValue(value, out);
    }
  }
}
