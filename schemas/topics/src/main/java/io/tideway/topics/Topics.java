package io.tideway.topics;

import io.tideway.schemas.serde.AvroSerde;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.schemas.serde.TopicRecordNameStrategy;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The catalogue of the platform's topics (ARCHITECTURE.md, "Topics and records"). Events topics
 * carry several event types each, written by the outbox relay with {@code TopicRecordNameStrategy}
 * and read as generated Avro classes; dead-letter topics carry the failed record's bytes untouched.
 */
public final class Topics {

  /** Partitions of the topics the platform creates, unless a deployment says otherwise. */
  public static final int DEFAULT_PARTITIONS = 3;

  /** Events of the customer aggregate, keyed by customer id. */
  public static final Topic<String, SpecificRecord> CUSTOMER_EVENTS = events("customer");

  /** Events of the order aggregate, keyed by order id. */
  public static final Topic<String, SpecificRecord> ORDER_EVENTS = events("order");

  /** Events of the inventory: product events keyed by product id, reservations by order id. */
  public static final Topic<String, SpecificRecord> INVENTORY_EVENTS = events("inventory");

  /** Commands to the customer service, keyed by the saga id that sends them (the order id). */
  public static final Topic<String, SpecificRecord> CUSTOMER_COMMANDS = commands("customer");

  /** Commands to the order service, keyed by the saga id that sends them (the order id). */
  public static final Topic<String, SpecificRecord> ORDER_COMMANDS = commands("order");

  /** Commands to the inventory service, keyed by the saga id that sends them (the order id). */
  public static final Topic<String, SpecificRecord> INVENTORY_COMMANDS = commands("inventory");

  /** Outbox rows the relay could not route, with the reason in headers. */
  public static final Topic<byte[], byte[]> OUTBOX_DLQ = rawBytes("outbox.dlq");

  /**
   * Debezium's offsets of the outbox relay, one record per source database; Kafka Connect's offset
   * store creates it compacted. One partition: the engine reads it whole at start.
   */
  public static final Topic<byte[], byte[]> RELAY_OFFSETS =
      Topic.of(
          "tideway.relay.offsets",
          1,
          Map.of("cleanup.policy", "compact"),
          Serdes::ByteArray,
          Serdes::ByteArray);

  /** The name of {@link #SCHEMAS}, for where a constant is needed (a command-line default). */
  public static final String SCHEMAS_NAME = "_schemas";

  /**
   * The schema registry's store: every subject, version, id and setting as JSON records, as
   * Confluent's registry keeps them. One partition, whose order is the registry's; compacted.
   */
  public static final Topic<byte[], byte[]> SCHEMAS =
      Topic.of(
          SCHEMAS_NAME,
          1,
          Map.of("cleanup.policy", "compact"),
          Serdes::ByteArray,
          Serdes::ByteArray);

  /**
   * What each application deployed last looks like (its stores and internal topics), keyed by
   * application id, as JSON: what the runtime compares a new version with. Compacted.
   */
  public static final Topic<String, String> DEPLOYMENTS =
      Topic.of(
          "_tideway-deployments",
          1,
          Map.of("cleanup.policy", "compact"),
          Serdes::String,
          Serdes::String);

  private Topics() {}

  /** The topic of an aggregate's events: {@code <aggregateType>.events}. */
  public static Topic<String, SpecificRecord> events(String aggregateType) {
    return avro(aggregateType + ".events");
  }

  /** The topic of a service's commands: {@code <service>.commands}. */
  public static Topic<String, SpecificRecord> commands(String service) {
    return avro(service + ".commands");
  }

  /**
   * The dead-letter topic of a stream-processing application: {@code <applicationId>.dlq}, holding
   * the records it could not read, process or write, with headers naming the error and the source
   * topic, partition and offset.
   */
  public static Topic<byte[], byte[]> deadLetters(String applicationId) {
    return rawBytes(applicationId + ".dlq");
  }

  /**
   * The lifecycle of a saga's instances, {@code <saga>.lifecycle}: every step, reply, timeout,
   * retry and compensation, keyed by saga id, for audit.
   */
  public static Topic<String, SpecificRecord> sagaLifecycle(String saga) {
    return avro(saga + ".lifecycle");
  }

  private static Topic<String, SpecificRecord> avro(String name) {
    return Topic.<String, SpecificRecord>of(
            name, DEFAULT_PARTITIONS, Map.of(), Serdes::String, AvroSerde::new)
        .withSerdeSettings(
            Map.of(
                AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG,
                true,
                AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG,
                TopicRecordNameStrategy.class.getName()));
  }

  private static Topic<byte[], byte[]> rawBytes(String name) {
    return Topic.of(name, DEFAULT_PARTITIONS, Map.of(), Serdes::ByteArray, Serdes::ByteArray);
  }
}
