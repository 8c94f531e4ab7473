package io.tideway.schemas.serde;

import io.tideway.schemas.client.SchemaRegistryClient;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * An {@link AvroSerializer} and an {@link AvroDeserializer} sharing one registry client, for Kafka
 * Streams: as a default serde by class name ({@code default.value.serde}), which Streams configures
 * with the application's configuration, or built with {@link #specific}, {@link #generic()} or the
 * constructors and configured by the caller, as {@code Consumed.with} and {@code Produced.with}
 * need:
 *
 * <pre>{@code
 * Serde<Order> orders = AvroSerde.specific(Order.class)
 *     .configured(Map.of("schema.registry.url", "http://registry:8081"), false);
 * builder.stream("orders", Consumed.with(Serdes.String(), orders));
 * }</pre>
 *
 * <p>Takes {@link AvroSerdeConfig}'s keys. Thread-safe.
 */
public class AvroSerde<T> implements Serde<T> {

  private final SchemaRegistryClient given;
  private final AvroSerializer<T> serializer;
  private final AvroDeserializer<T> deserializer;
  private volatile SchemaRegistryClient owned;

  /**
   * A serde that {@link #configure} connects to the registry of {@code schema.registry.url},
   * reading generic or specific records as {@code specific.avro.reader} says.
   */
  public AvroSerde() {
    this(null);
  }

  /**
   * A serde that uses a given registry client, behind a cache unless it is a {@link
   * io.tideway.schemas.client.CachedSchemaRegistryClient}; {@code schema.registry.url} is then
   * optional. The client is not closed with the serde.
   *
   * @param registry the registry, or null to connect to {@code schema.registry.url}
   */
  public AvroSerde(SchemaRegistryClient registry) {
    this(registry, new AvroDeserializer<>(registry));
  }

  private AvroSerde(SchemaRegistryClient registry, AvroDeserializer<T> deserializer) {
    this.given = registry;
    this.serializer = new AvroSerializer<>(registry);
    this.deserializer = deserializer;
  }

  /** A serde of generated records of one class, whatever {@code specific.avro.reader} says. */
  public static <T extends SpecificRecord> AvroSerde<T> specific(Class<T> type) {
    return specific(type, null);
  }

  /**
   * A serde of generated records of one class, with a given registry client.
   *
   * @param registry the registry, or null to connect to {@code schema.registry.url}
   */
  public static <T extends SpecificRecord> AvroSerde<T> specific(
      Class<T> type, SchemaRegistryClient registry) {
    return new AvroSerde<>(registry, AvroDeserializer.specific(type, registry));
  }

  /** A serde of generic records, read in the writer's schema. */
  public static AvroSerde<GenericRecord> generic() {
    return new AvroSerde<>(null, AvroDeserializer.generic((SchemaRegistryClient) null));
  }

  /**
   * A serde of generic records read in the writer's schema, with a given registry client.
   *
   * @param registry the registry, or null to connect to {@code schema.registry.url}
   */
  public static AvroSerde<GenericRecord> generic(SchemaRegistryClient registry) {
    return new AvroSerde<>(registry, AvroDeserializer.generic(registry));
  }

  /**
   * A serde of generic records, read in a given reader schema: an older or newer version of the
   * writer's, resolved by Avro's rules.
   */
  public static AvroSerde<GenericRecord> generic(Schema readerSchema) {
    return generic(readerSchema, null);
  }

  /**
   * A serde of generic records read in a given reader schema, with a given registry client.
   *
   * @param registry the registry, or null to connect to {@code schema.registry.url}
   */
  public static AvroSerde<GenericRecord> generic(
      Schema readerSchema, SchemaRegistryClient registry) {
    return new AvroSerde<>(registry, AvroDeserializer.generic(readerSchema, registry));
  }

  /**
   * Reads {@link AvroSerdeConfig}'s keys; other keys are ignored.
   *
   * @throws org.apache.kafka.common.config.ConfigException naming a missing or invalid key
   */
  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    AvroSerdeConfig config = AvroSerdeConfig.of(configs, given);
    SchemaRegistryClient registry = given != null ? config.cached(given) : config.newClient();
    serializer.configure(config, registry, false, isKey);
    deserializer.configure(config, registry, false, isKey);
    SchemaRegistryClient previous = owned;
    owned = given == null ? registry : null;
    if (previous != null) {
      previous.close();
    }
  }

  /**
   * Configures this serde and returns it, for use in an expression.
   *
   * @see #configure
   */
  public AvroSerde<T> configured(Map<String, ?> configs, boolean isKey) {
    configure(configs, isKey);
    return this;
  }

  @Override
  public Serializer<T> serializer() {
    return serializer;
  }

  @Override
  public Deserializer<T> deserializer() {
    return deserializer;
  }

  /** Releases the registry client unless it was given. */
  @Override
  public void close() {
    SchemaRegistryClient registry = owned;
    owned = null;
    if (registry != null) {
      registry.close();
    }
  }
}
