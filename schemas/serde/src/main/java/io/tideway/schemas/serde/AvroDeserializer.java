package io.tideway.schemas.serde;

import io.tideway.schemas.client.RegistryException;
import io.tideway.schemas.client.SchemaRegistryClient;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Avro records in Confluent's wire format: magic byte {@code 0x0}, the writer schema's
 * registry id as a 4-byte big-endian int, then the Avro binary encoding.
 *
 * <p>What it returns:
 *
 * <ul>
 *   <li>by default ({@code specific.avro.reader=false}), {@link GenericRecord}s in the writer's
 *       schema;
 *   <li>with {@link #generic(Schema)}, {@link GenericRecord}s in a given reader schema, resolved
 *       from the writer's by Avro's rules: fields the reader lacks are skipped, fields the writer
 *       lacks take the reader's defaults;
 *   <li>with {@code specific.avro.reader=true} or {@link #specific(Class)}, generated {@link
 *       SpecificRecord}s, read with the generated class's schema as reader schema, so that a
 *       consumer built against an older or newer version of a record reads the other's data. The
 *       class is the one given, else {@code specific.avro.key.type}/{@code
 *       specific.avro.value.type}, else the one named like the writer schema;
 *   <li>for primitive writer schemas, the Java value: {@code String} for {@code string}, {@code
 *       byte[]} for {@code bytes}, boxed numbers and booleans.
 * </ul>
 *
 * <p>{@code null} bytes are read as {@code null}, so tombstones pass through. Any other input that
 * is not a record in the wire format fails with a {@link SerializationException} naming the topic
 * and what is wrong: another magic byte, fewer than 5 bytes, an id the registry does not know, Avro
 * data cut short, or bytes that do not match the writer schema. A Kafka consumer wraps it in a
 * {@link org.apache.kafka.common.errors.RecordDeserializationException} that adds the partition and
 * offset; Kafka Streams hands it with the partition and offset to its deserialization exception
 * handler.
 *
 * <p>Avro 1.12.2 instantiates only the classes it trusts JVM-wide, and trusts none of an
 * application's generated classes by default. To read specific records, this deserializer adds to
 * that trust the classes the Avro compiler generated ({@code SpecificRecord} and {@code
 * AvroGenerated}) that it reads as, with the named types of their schemas, and nothing else: a
 * writer schema naming any other class is refused.
 *
 * <p>After the first record of a schema id, the registry is not asked again and the datum reader is
 * reused. Thread-safe.
 */
public class AvroDeserializer<T> implements Deserializer<T> {

  private final SchemaRegistryClient given;
  private final Class<? extends SpecificRecord> specificType;
  private final Schema readerSchema;
  private final boolean genericOnly;
  private final Map<Integer, Reader> readers = new ConcurrentHashMap<>();
  private volatile Setup setup;

  /**
   * A deserializer that {@link #configure} connects to the registry of {@code schema.registry.url},
   * returning generic or specific records as {@code specific.avro.reader} says.
   */
  public AvroDeserializer() {
    this(null);
  }

  /**
   * A deserializer that uses a given registry client, behind a cache unless it is a {@link
   * io.tideway.schemas.client.CachedSchemaRegistryClient}; {@code schema.registry.url} is then
   * optional. The client is not closed with the deserializer.
   *
   * @param registry the registry, or null to connect to {@code schema.registry.url}
   */
  public AvroDeserializer(SchemaRegistryClient registry) {
    this(registry, null, null, false);
  }

  private AvroDeserializer(
      SchemaRegistryClient registry,
      Class<? extends SpecificRecord> specificType,
      Schema readerSchema,
      boolean genericOnly) {
    this.given = registry;
    this.specificType = specificType;
    this.readerSchema = readerSchema;
    this.genericOnly = genericOnly;
  }

  /**
   * A deserializer of generated records of one class, whatever {@code specific.avro.reader} says.
   */
  public static <T extends SpecificRecord> AvroDeserializer<T> specific(Class<T> type) {
    return specific(type, null);
  }

  /**
   * A deserializer of generated records of one class, with a given registry client.
   *
   * @param registry the registry, or null to connect to {@code schema.registry.url}
   */
  public static <T extends SpecificRecord> AvroDeserializer<T> specific(
      Class<T> type, SchemaRegistryClient registry) {
    ReaderModel.schemaOf(type);
    return new AvroDeserializer<>(registry, type, null, false);
  }

  /**
   * A deserializer of generic records in the writer's schema, whatever {@code specific.avro.reader}
   * says.
   *
   * @param registry the registry, or null to connect to {@code schema.registry.url}
   */
  public static AvroDeserializer<GenericRecord> generic(SchemaRegistryClient registry) {
    return new AvroDeserializer<>(registry, null, null, true);
  }

  /**
   * A deserializer of generic records in a given reader schema: an older or newer version of the
   * writer's, resolved by Avro's rules.
   */
  public static AvroDeserializer<GenericRecord> generic(Schema readerSchema) {
    return generic(readerSchema, null);
  }

  /**
   * A deserializer of generic records in a given reader schema, with a given registry client.
   *
   * @param registry the registry, or null to connect to {@code schema.registry.url}
   */
  public static AvroDeserializer<GenericRecord> generic(
      Schema readerSchema, SchemaRegistryClient registry) {
    if (readerSchema == null) {
      throw new IllegalArgumentException("readerSchema is required");
    }
    return new AvroDeserializer<>(registry, null, readerSchema, true);
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
    ReaderModel model =
        ReaderModel.of(
            specificType,
            readerSchema,
            !genericOnly && config.specificAvroReader(),
            config.specificType(isKey),
            AvroModels.generic(config.useLogicalTypeConverters()));
    Setup previous = setup;
    readers.clear();
    setup = new Setup(registry, ownsRegistry, model, config.cacheCapacity());
    if (previous != null && previous.ownsRegistry()) {
      previous.registry().close();
    }
  }

  /**
   * Reads a record in the wire format.
   *
   * @return the record, or null for null bytes
   * @throws SerializationException naming the topic and what is wrong when the bytes are not a
   *     record in the wire format, its schema id is unknown or the registry cannot be reached
   */
  @Override
  @SuppressWarnings("unchecked")
  public T deserialize(String topic, byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    Setup s = requireConfigured();
    if (bytes.length == 0) {
      throw new SerializationException(
          "Empty record from topic '"
              + topic
              + "': the Confluent wire format needs at least 5 bytes, the magic byte 0x0 and a"
              + " 4-byte schema id");
    }
    if (bytes[0] != WireFormat.MAGIC_BYTE) {
      throw new SerializationException(
          String.format(
              "Unknown magic byte 0x%X in record from topic '%s': expected 0x0, the Confluent wire"
                  + " format (magic byte, 4-byte schema id, Avro binary); was it written by"
                  + " another serializer?",
              bytes[0] & 0xFF, topic));
    }
    if (bytes.length < WireFormat.HEADER_LENGTH) {
      throw new SerializationException(
          "Record from topic '"
              + topic
              + "' is too short: "
              + bytes.length
              + " bytes, but the Confluent wire format needs at least 5, the magic byte and a"
              + " 4-byte schema id");
    }
    int id = WireFormat.schemaId(bytes);
    Reader reader = readerFor(s, id, topic);
    Object datum;
    BinaryDecoder decoder = WireFormat.decoder(bytes);
    int avroLength = bytes.length - WireFormat.HEADER_LENGTH;
    int leftOver;
    try {
      datum = reader.reader().read(null, decoder);
      leftOver = decoder.inputStream().available();
    } catch (EOFException e) {
      throw new SerializationException(
          "Record from topic '"
              + topic
              + "' is truncated: its "
              + avroLength
              + " bytes of Avro data end before a whole record of writer schema id "
              + id,
          e);
    } catch (SecurityException e) {
      throw new SerializationException(
          "Avro refused a class while reading a record from topic '"
              + topic
              + "' with writer schema id "
              + id
              + ": "
              + e.getMessage(),
          e);
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(
          "Record from topic '"
              + topic
              + "' does not match its writer schema id "
              + id
              + " ("
              + reader.writer().getFullName()
              + "): "
              + e,
          e);
    }
    if (leftOver > 0) {
      throw new SerializationException(
          "Record from topic '"
              + topic
              + "' does not match its writer schema id "
              + id
              + " ("
              + reader.writer().getFullName()
              + "): "
              + leftOver
              + " of its "
              + avroLength
              + " bytes of Avro data are left over after the record");
    }
    return (T) reader.result(datum);
  }

  /** Releases the registry client unless it was given or is shared. */
  @Override
  public void close() {
    Setup s = setup;
    if (s != null && s.ownsRegistry()) {
      s.registry().close();
    }
  }

  private Reader readerFor(Setup s, int id, String topic) {
    Reader reader = readers.get(id);
    if (reader != null) {
      return reader;
    }
    Schema writer;
    try {
      writer = s.registry().schemaById(id);
    } catch (RegistryException e) {
      if (e.errorCode() == RegistryException.SCHEMA_NOT_FOUND) {
        throw new SerializationException(
            "Unknown schema id "
                + id
                + " in record from topic '"
                + topic
                + "': the schema registry at "
                + s.registry().url()
                + " has no schema with that id; was the record written against another registry?",
            e);
      }
      throw new SerializationException(
          "Could not fetch schema id "
              + id
              + " for a record from topic '"
              + topic
              + "' from the schema registry at "
              + s.registry().url()
              + ": "
              + e.getMessage(),
          e);
    }
    reader = s.model().readerFor(writer, id, topic);
    if (readers.size() < s.cacheCapacity()) {
      readers.put(id, reader);
    }
    return reader;
  }

  private Setup requireConfigured() {
    Setup s = setup;
    if (s == null) {
      throw new IllegalStateException(
          "AvroDeserializer is not configured: call configure() with at least "
              + AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG);
    }
    return s;
  }

  private record Setup(
      SchemaRegistryClient registry, boolean ownsRegistry, ReaderModel model, int cacheCapacity) {}

  /**
   * A datum reader for one writer schema, and how its result is handed out.
   *
   * @param reader the reader, reused for every record of the writer schema
   * @param writer the writer schema
   */
  record Reader(DatumReader<Object> reader, Schema writer) {

    Object result(Object datum) {
      switch (writer.getType()) {
        case STRING:
          return datum == null ? null : datum.toString();
        case BYTES:
          if (datum instanceof ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            return bytes;
          }
          return datum;
        default:
          return datum;
      }
    }
  }

  /**
   * What records are read as: generic in the writer's schema, generic in a reader schema, or
   * specific in a generated class's schema.
   */
  static final class ReaderModel {

    private final Class<?> specificType;
    private final Schema readerSchema;
    private final boolean specificByName;
    private final GenericData genericModel;
    private final ClassLoader loader;

    private ReaderModel(
        Class<?> specificType,
        Schema readerSchema,
        boolean specificByName,
        GenericData genericModel) {
      this.specificType = specificType;
      this.readerSchema = readerSchema;
      this.specificByName = specificByName;
      this.genericModel = genericModel;
      ClassLoader context = Thread.currentThread().getContextClassLoader();
      this.loader = context != null ? context : AvroDeserializer.class.getClassLoader();
    }

    static ReaderModel of(
        Class<?> givenType,
        Schema givenReaderSchema,
        boolean specificReader,
        Class<?> configuredType,
        GenericData genericModel) {
      if (givenType != null || givenReaderSchema != null) {
        return new ReaderModel(givenType, givenReaderSchema, false, genericModel);
      }
      if (specificReader && configuredType != null) {
        schemaOf(configuredType);
        return new ReaderModel(configuredType, null, false, genericModel);
      }
      return new ReaderModel(null, null, specificReader, genericModel);
    }

    /** The schema of a generated class, read once. */
    static Schema schemaOf(Class<?> type) {
      if (type == null || !SpecificRecord.class.isAssignableFrom(type)) {
        throw new IllegalArgumentException("not a generated Avro class (SpecificRecord): " + type);
      }
      return SpecificData.get().getSchema(type);
    }

    Reader readerFor(Schema writer, int id, String topic) {
      Class<?> type = specificType;
      if (type == null && specificByName && isNamed(writer)) {
        type = generatedClassOf(writer, id, topic);
      }
      if (type == null && specificByName && writer.getType() == Schema.Type.UNION) {
        return unionReader(writer, id, topic);
      }
      if (type != null) {
        Schema reader = schemaOf(type);
        requireReadable(reader, writer, id, topic, type.getName());
        if (GeneratedClasses.isGenerated(type)) {
          GeneratedClasses.trust(type, reader);
        }
        return new Reader(
            new SpecificDatumReader<>(writer, reader, AvroModels.specific(type)), writer);
      }
      if (readerSchema != null) {
        requireReadable(readerSchema, writer, id, topic, readerSchema.getFullName());
        return new Reader(new GenericDatumReader<>(writer, readerSchema, genericModel), writer);
      }
      return new Reader(new GenericDatumReader<>(writer, writer, genericModel), writer);
    }

    /**
     * A top-level union (one topic, one record of several types) read branch by branch: each record
     * branch as its generated class, as Confluent's deserializer builds its reader schema.
     */
    private Reader unionReader(Schema writer, int id, String topic) {
      List<Schema> branches = new ArrayList<>();
      List<Class<?>> types = new ArrayList<>();
      for (Schema branch : writer.getTypes()) {
        if (branch.getType() != Schema.Type.RECORD) {
          branches.add(branch);
          continue;
        }
        Class<?> type;
        try {
          type = generatedClassOf(branch, id, topic);
        } catch (NoGeneratedClassException unknownBranch) {
          // Not a record of an unknown type: the record may be on a branch it has a class for.
          throw new SerializationException(unknownBranch.getMessage(), unknownBranch);
        }
        Schema reader = schemaOf(type);
        GeneratedClasses.trust(type, reader);
        types.add(type);
        branches.add(reader);
      }
      Schema reader = Schema.createUnion(branches);
      requireReadable(reader, writer, id, topic, "the union of its generated classes");
      return new Reader(
          new SpecificDatumReader<>(
              writer, reader, types.isEmpty() ? SpecificData.get() : AvroModels.specific(types)),
          writer);
    }

    /** The generated class of a named schema: what {@code specific.avro.reader} reads it as. */
    private Class<?> generatedClassOf(Schema named, int id, String topic) {
      Class<?> type = generatedClassNamed(SpecificData.getClassName(named));
      if (type == null) {
        throw new NoGeneratedClassException(
            "Cannot read schema id "
                + id
                + " from topic '"
                + topic
                + "' as a specific record: "
                + AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG
                + " is true but there is no generated class "
                + SpecificData.getClassName(named)
                + " on the classpath; generate it or set "
                + AvroSerdeConfig.SPECIFIC_AVRO_VALUE_TYPE_CONFIG
                + "/"
                + AvroSerdeConfig.SPECIFIC_AVRO_KEY_TYPE_CONFIG,
            named.getFullName());
      }
      return type;
    }

    /** The generated record class of a name, loaded without running its initialisers. */
    private Class<?> generatedClassNamed(String name) {
      try {
        Class<?> type = Class.forName(name, false, loader);
        return GeneratedClasses.isGenerated(type) ? type : null;
      } catch (ClassNotFoundException e) {
        return null;
      } catch (LinkageError e) {
        // There, but not loadable: a broken classpath, not a type the reader does not know.
        throw new SerializationException("Generated class " + name + " cannot be loaded: " + e, e);
      }
    }

    private static boolean isNamed(Schema schema) {
      Schema.Type t = schema.getType();
      return t == Schema.Type.RECORD || t == Schema.Type.ENUM || t == Schema.Type.FIXED;
    }

    private static void requireReadable(
        Schema reader, Schema writer, int id, String topic, String readerName) {
      SchemaPairCompatibility check =
          SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
      if (check.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
        throw new SerializationException(
            "Cannot read a record from topic '"
                + topic
                + "' written with schema id "
                + id
                + " ("
                + writer.getFullName()
                + ") as "
                + readerName
                + ": "
                + check.getResult().getIncompatibilities().stream()
                    .map(i -> i.getType() + " " + i.getMessage() + " at " + i.getLocation())
                    .toList());
      }
    }
  }
}
