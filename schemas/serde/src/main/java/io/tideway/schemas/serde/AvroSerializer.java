package io.tideway.schemas.serde;

import io.tideway.schemas.client.LogicalTypeChange;
import io.tideway.schemas.client.RegistryException;
import io.tideway.schemas.client.SchemaRegistryClient;
import io.tideway.schemas.client.SchemaVersion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.Utf8;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro records in Confluent's wire format: magic byte {@code 0x0}, the writer schema's
 * registry id as a 4-byte big-endian int, then the Avro binary encoding.
 *
 * <p>Takes {@link SpecificRecord}s, {@link org.apache.avro.generic.GenericRecord}s (any {@link
 * GenericContainer}) and the primitives {@code null}, {@code Boolean}, {@code Integer}, {@code
 * Long}, {@code Float}, {@code Double}, {@code CharSequence}, {@code byte[]} and {@code
 * ByteBuffer}. {@code null} is written as {@code null}, so tombstones pass through.
 *
 * <p>The schema is registered under the subject that the configured {@link SubjectNameStrategy}
 * names ({@code <topic>-key}/{@code <topic>-value} by default), looked up instead when {@code
 * auto.register.schemas} is false, or replaced by the subject's latest schema when {@code
 * use.latest.version} is true. After the first record of a schema, the registry is not asked again.
 *
 * <p>Configured by class name and {@link AvroSerdeConfig}'s keys, as producers do, or built with a
 * {@link SchemaRegistryClient} and then configured. Every failure is a {@link
 * SerializationException} naming the topic and the subject. Thread-safe: a producer's threads may
 * share it.
 */
public class AvroSerializer<T> implements Serializer<T> {

  private static final Map<Class<?>, Schema> PRIMITIVES =
      Map.of(
          Boolean.class, Schema.create(Schema.Type.BOOLEAN),
          Integer.class, Schema.create(Schema.Type.INT),
          Long.class, Schema.create(Schema.Type.LONG),
          Float.class, Schema.create(Schema.Type.FLOAT),
          Double.class, Schema.create(Schema.Type.DOUBLE),
          String.class, Schema.create(Schema.Type.STRING),
          Utf8.class, Schema.create(Schema.Type.STRING),
          byte[].class, Schema.create(Schema.Type.BYTES));

  private static final Schema BYTES = Schema.create(Schema.Type.BYTES);
  private static final Schema STRING = Schema.create(Schema.Type.STRING);

  private final SchemaRegistryClient given;
  private final Map<WriterKey, DatumWriter<Object>> writers = new ConcurrentHashMap<>();
  private final Map<SchemaPair, Fit> fits = new ConcurrentHashMap<>();
  private volatile Setup setup;

  /**
   * A serializer that {@link #configure} connects to the registry of {@code schema.registry.url}.
   */
  public AvroSerializer() {
    this(null);
  }

  /**
   * A serializer that uses a given registry client, behind a cache unless it is a {@link
   * io.tideway.schemas.client.CachedSchemaRegistryClient}; {@code schema.registry.url} is then
   * optional. The client is not closed with the serializer.
   *
   * @param registry the registry, or null to connect to {@code schema.registry.url}
   */
  public AvroSerializer(SchemaRegistryClient registry) {
    this.given = registry;
  }

  /**
   * Reads {@link AvroSerdeConfig}'s keys; other keys are ignored.
   *
   * @throws org.apache.kafka.common.config.ConfigException naming a missing or invalid key
   */
  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    AvroSerdeConfig config = AvroSerdeConfig.of(configs, given);
    if (given != null) {
      configure(config, config.cached(given), false, isKey);
    } else {
      configure(config, config.newClient(), true, isKey);
    }
  }

  /** Configures with a client chosen by the caller, such as a serde sharing one. */
  void configure(
      AvroSerdeConfig config, SchemaRegistryClient registry, boolean ownsRegistry, boolean isKey) {
    Setup previous = setup;
    setup =
        new Setup(
            registry,
            ownsRegistry,
            isKey,
            config.subjectNameStrategy(isKey),
            config.autoRegisterSchemas(),
            config.useLatestVersion(),
            AvroModels.generic(config.useLogicalTypeConverters()),
            config.cacheCapacity());
    if (previous != null && previous.ownsRegistry()) {
      previous.registry().close();
    }
  }

  /**
   * Writes a record in the wire format.
   *
   * @return the bytes, or null for null data
   * @throws SerializationException naming the topic and the subject when the record cannot be
   *     written or its schema cannot be registered or found
   */
  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null;
    }
    Setup s = requireConfigured();
    Schema schema = schemaOf(data, topic);
    Object datum = data instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : data;
    String subject = s.subjects().subjectName(topic, s.isKey(), schema);
    // Confluent's order: auto-registration wins; the latest version is used only without it.
    if (s.autoRegister()) {
      return write(s, topic, subject, register(s, topic, subject, schema), schema, datum);
    }
    if (s.useLatest()) {
      return writeAsLatest(s, topic, subject, schema, datum);
    }
    return write(s, topic, subject, lookUp(s, topic, subject, schema), schema, datum);
  }

  /**
   * Registers or looks up a schema as {@link #serialize} would for a record of it to {@code topic},
   * without a record. The registry client keeps the answer, so the first record of the schema does
   * not wait for the registry: a producer that writes inside a database transaction prepares its
   * schemas before, so that no transaction holds its locks through a registry call.
   *
   * @return the id records of the schema are written with
   * @throws SerializationException as {@link #serialize} would for a record of the schema
   */
  public int prepare(String topic, Schema schema) {
    Setup s = requireConfigured();
    String subject = s.subjects().subjectName(topic, s.isKey(), schema);
    if (s.autoRegister()) {
      return register(s, topic, subject, schema);
    }
    if (s.useLatest()) {
      Latest latest = latest(s, topic, subject);
      fit(s, topic, subject, schema, latest);
      return latest.id();
    }
    return lookUp(s, topic, subject, schema);
  }

  /** Releases the registry client unless it was given or is shared. */
  @Override
  public void close() {
    Setup s = setup;
    if (s != null && s.ownsRegistry()) {
      s.registry().close();
    }
  }

  // ---- schema ids

  private static int register(Setup s, String topic, String subject, Schema schema) {
    try {
      return s.registry().register(subject, schema);
    } catch (RegistryException e) {
      throw new SerializationException(
          "Could not register the schema "
              + schema.getFullName()
              + " under subject '"
              + subject
              + "' for a record to topic '"
              + topic
              + "' in the schema registry at "
              + s.registry().url()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private static int lookUp(Setup s, String topic, String subject, Schema schema) {
    try {
      return s.registry().id(subject, schema);
    } catch (RegistryException e) {
      if (e.errorCode() == RegistryException.SUBJECT_NOT_FOUND
          || e.errorCode() == RegistryException.SCHEMA_NOT_FOUND) {
        throw new SerializationException(
            "The schema "
                + schema.getFullName()
                + " of a record to topic '"
                + topic
                + "' is not registered under subject '"
                + subject
                + "' in the schema registry at "
                + s.registry().url()
                + ", and "
                + AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG
                + " is false: register it first ("
                + e.getMessage()
                + ")",
            e);
      }
      throw new SerializationException(
          "Could not look up the schema "
              + schema.getFullName()
              + " under subject '"
              + subject
              + "' for a record to topic '"
              + topic
              + "' in the schema registry at "
              + s.registry().url()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  // ---- use.latest.version

  private byte[] writeAsLatest(Setup s, String topic, String subject, Schema own, Object datum) {
    Latest latest = latest(s, topic, subject);
    Fit fit = fit(s, topic, subject, own, latest);
    if (!fit.convert()) {
      // Same layout: the record's own encoding is the latest schema's.
      return write(s, topic, subject, latest.id(), own, datum);
    }
    Schema latestSchema = latest.schema();
    byte[] converted = write(s, topic, subject, latest.id(), own, datum);
    try {
      // Resolve the record's encoding into the latest schema: defaults fill what it lacks.
      GenericDatumReader<Object> reader =
          new GenericDatumReader<>(own, latestSchema, AvroModels.PLAIN);
      Object asLatest =
          reader.read(
              null,
              DecoderFactory.get()
                  .binaryDecoder(
                      converted,
                      WireFormat.HEADER_LENGTH,
                      converted.length - WireFormat.HEADER_LENGTH,
                      null));
      return write(s, topic, subject, latest.id(), latestSchema, asLatest, AvroModels.PLAIN);
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(
          "A record to topic '"
              + topic
              + "' could not be converted to the latest schema of subject '"
              + subject
              + "' (id "
              + latest.id()
              + "): "
              + e,
          e);
    }
  }

  /** The subject's latest version and its schema. */
  private record Latest(SchemaVersion version, Schema schema) {
    int id() {
      return version.id();
    }
  }

  private static Latest latest(Setup s, String topic, String subject) {
    try {
      SchemaVersion latest = s.registry().latest(subject);
      return new Latest(latest, s.registry().schemaById(latest.id()));
    } catch (RegistryException e) {
      throw new SerializationException(
          "Could not find the latest schema of subject '"
              + subject
              + "' for a record to topic '"
              + topic
              + "' in the schema registry at "
              + s.registry().url()
              + " ("
              + AvroSerdeConfig.USE_LATEST_VERSION_CONFIG
              + " is true): "
              + e.getMessage(),
          e);
    }
  }

  /** How a record of its own schema is written as the latest: refused when it cannot be. */
  private Fit fit(Setup s, String topic, String subject, Schema own, Latest latest) {
    // By the latest's id, not its Schema: Avro's equality leaves out aliases and defaults, which
    // decide whether the latest can read the record.
    SchemaPair pair = new SchemaPair(own, latest.id());
    Fit fit = fits.get(pair);
    if (fit == null) {
      fit = Fit.of(own, latest.schema());
      if (fits.size() < s.cacheCapacity()) {
        fits.put(pair, fit);
      }
    }
    if (fit.refusal() != null) {
      throw new SerializationException(
          "A record to topic '"
              + topic
              + "' with schema "
              + own.getFullName()
              + " does not fit the latest schema of subject '"
              + subject
              + "' (version "
              + latest.version().version()
              + ", id "
              + latest.id()
              + ") that "
              + AvroSerdeConfig.USE_LATEST_VERSION_CONFIG
              + " writes with: "
              + fit.refusal());
    }
    return fit;
  }

  /**
   * Whether a record's schema can be written as the latest one: directly when both encode alike, by
   * conversion when the latest can read the record's, else refused.
   */
  private record Fit(boolean convert, String refusal) {

    static Fit of(Schema own, Schema latest) {
      if (own.equals(latest)) {
        return new Fit(false, null);
      }
      // Avro's compatibility, and the parsing form, leave logical types out: written across a
      // change of decimal scale or of timestamp unit, every value would read wrong, silently.
      LogicalTypeChange logicalChange = LogicalTypeChange.between(own, latest);
      if (logicalChange != null) {
        return new Fit(
            false,
            "the logical type at "
                + logicalChange.location()
                + " is "
                + logicalChange.first()
                + " in the record's schema and "
                + logicalChange.second()
                + " in the latest");
      }
      if (SchemaNormalization.toParsingForm(own)
          .equals(SchemaNormalization.toParsingForm(latest))) {
        return new Fit(false, null);
      }
      SchemaPairCompatibility check =
          SchemaCompatibility.checkReaderWriterCompatibility(latest, own);
      if (check.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
        return new Fit(true, null);
      }
      return new Fit(
          false,
          check.getResult().getIncompatibilities().stream()
              .map(i -> i.getType() + " " + i.getMessage() + " at " + i.getLocation())
              .toList()
              .toString());
    }
  }

  private record SchemaPair(Schema own, int latestId) {}

  // ---- writing

  private byte[] write(Setup s, String topic, String subject, int id, Schema schema, Object datum) {
    return write(s, topic, subject, id, schema, datum, null);
  }

  private byte[] write(
      Setup s,
      String topic,
      String subject,
      int id,
      Schema schema,
      Object datum,
      GenericData forcedModel) {
    DatumWriter<Object> writer = writerFor(s, schema, datum, forcedModel);
    try {
      return WireFormat.write(id, writer, datum);
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(
          "Could not write a record to topic '"
              + topic
              + "' with schema "
              + schema.getFullName()
              + " (id "
              + id
              + ", subject '"
              + subject
              + "'): "
              + e,
          e);
    }
  }

  @SuppressWarnings("unchecked")
  private DatumWriter<Object> writerFor(
      Setup s, Schema schema, Object datum, GenericData forcedModel) {
    boolean specific = forcedModel == null && datum instanceof SpecificRecord;
    GenericData model = forcedModel != null ? forcedModel : s.genericModel();
    WriterKey key = new WriterKey(specific ? datum.getClass() : null, model, schema);
    DatumWriter<Object> writer = writers.get(key);
    if (writer == null) {
      // Resolved once per class and schema: the generated class's model carries its conversions.
      writer =
          specific
              ? new SpecificDatumWriter<>(schema, SpecificData.getForClass(datum.getClass()))
              : new GenericDatumWriter<>(schema, model);
      if (writers.size() < s.cacheCapacity()) {
        writers.put(key, writer);
      }
    }
    return writer;
  }

  private record WriterKey(Class<?> specificType, GenericData model, Schema schema) {}

  private static Schema schemaOf(Object data, String topic) {
    if (data instanceof GenericContainer container) {
      return container.getSchema();
    }
    Schema primitive = PRIMITIVES.get(data.getClass());
    if (primitive != null) {
      return primitive;
    }
    if (data instanceof ByteBuffer) {
      return BYTES;
    }
    if (data instanceof CharSequence) {
      return STRING;
    }
    throw new SerializationException(
        "Cannot write a "
            + data.getClass().getName()
            + " to topic '"
            + topic
            + "' as Avro: the serializer takes SpecificRecord, GenericRecord (any GenericContainer),"
            + " Boolean, Integer, Long, Float, Double, CharSequence, byte[] and ByteBuffer");
  }

  private Setup requireConfigured() {
    Setup s = setup;
    if (s == null) {
      throw new IllegalStateException(
          "AvroSerializer is not configured: call configure() with at least "
              + AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG);
    }
    return s;
  }

  private record Setup(
      SchemaRegistryClient registry,
      boolean ownsRegistry,
      boolean isKey,
      SubjectNameStrategy subjects,
      boolean autoRegister,
      boolean useLatest,
      GenericData genericModel,
      int cacheCapacity) {}
}
