package io.tideway.outbox;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.avro.generic.IndexedRecord;

/**
 * An event to append to the outbox: the aggregate it belongs to, the Avro record, its id and
 * optionally the W3C {@code traceparent} of the span that caused it.
 *
 * <pre>{@code
 * OutboxEvent event =
 *     OutboxEvent.of("customer", customerId.toString(), customerCreated)
 *         .withId(commandId)            // optional; random otherwise
 *         .withTraceparent(traceparent); // optional; else the outbox's traceparent source
 * }</pre>
 *
 * <p>The event goes to the topic {@code <aggregateType>.events}, keyed by the aggregate id, with
 * the record's schema full name as event type. The names, ids and traceparent are checked here, so
 * that a bad value fails where it is made rather than in the database, where an error would abort
 * the caller's transaction; the record is checked against its schema when it is appended.
 *
 * <p>Immutable, but the record is held, not copied, and serialized only when appended: do not
 * change it in between. {@link #toString()} leaves the record's content out, which may be personal
 * data.
 */
public final class OutboxEvent {

  /** Appended to the aggregate type to name the topic. */
  public static final String TOPIC_SUFFIX = ".events";

  static final int MAX_TOPIC_LENGTH = 249;
  static final int MAX_COLUMN_LENGTH = 255;
  private static final Pattern TOPIC_CHARACTERS = Pattern.compile("[A-Za-z0-9._-]+");

  private final String aggregateType;
  private final String aggregateId;
  private final IndexedRecord record;
  private final UUID id;
  private final String traceparent;

  private OutboxEvent(
      String aggregateType, String aggregateId, IndexedRecord record, UUID id, String traceparent) {
    this.aggregateType = aggregateType;
    this.aggregateId = aggregateId;
    this.record = record;
    this.id = id;
    this.traceparent = traceparent;
  }

  /**
   * An event with a random id and no traceparent of its own.
   *
   * @param aggregateType the kind of aggregate, such as {@code customer}; names the topic, so only
   *     letters, digits, {@code .}, {@code _} and {@code -}, and at most 242 characters
   * @param aggregateId the aggregate's id, the record key; at most 255 characters
   * @param record a generated {@code SpecificRecord} or a {@code GenericRecord}; its schema's full
   *     name, at most 255 characters, is the event type
   * @throws IllegalArgumentException naming the value that cannot be written
   * @throws NullPointerException when an argument is null
   */
  public static OutboxEvent of(String aggregateType, String aggregateId, IndexedRecord record) {
    requireAggregateType(aggregateType);
    requireAggregateId(aggregateId);
    Objects.requireNonNull(record, "record must not be null");
    String eventType = record.getSchema().getFullName();
    if (eventType.length() > MAX_COLUMN_LENGTH) {
      throw new IllegalArgumentException(
          "eventType '"
              + eventType
              + "' (the record schema's full name) is "
              + eventType.length()
              + " characters, over the outbox column's "
              + MAX_COLUMN_LENGTH);
    }
    return new OutboxEvent(aggregateType, aggregateId, record, UUID.randomUUID(), null);
  }

  /**
   * This event with the given id, the {@code id} header that consumers deduplicate by: pass an id
   * derived from the command being handled so that a retried command yields the same event id.
   */
  public OutboxEvent withId(UUID id) {
    return new OutboxEvent(
        aggregateType, aggregateId, record, Objects.requireNonNull(id, "id"), traceparent);
  }

  /**
   * This event with a W3C traceparent, which takes precedence over the outbox's traceparent source.
   *
   * @param traceparent {@code version-traceid-parentid-flags} in lowercase hex, such as {@code
   *     00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01}; ids must not be all zero
   * @throws IllegalArgumentException when the value is not a valid traceparent
   */
  public OutboxEvent withTraceparent(String traceparent) {
    return new OutboxEvent(
        aggregateType,
        aggregateId,
        record,
        id,
        Traceparent.require(Objects.requireNonNull(traceparent, "traceparent"), "traceparent"));
  }

  /** The aggregate type, which names the topic. */
  public String aggregateType() {
    return aggregateType;
  }

  /** The aggregate id, the record key. */
  public String aggregateId() {
    return aggregateId;
  }

  /** The Avro record, the event's payload. */
  public IndexedRecord record() {
    return record;
  }

  /** The event id, the {@code id} header. */
  public UUID id() {
    return id;
  }

  /** The traceparent given with the event, if any. */
  public Optional<String> traceparent() {
    return Optional.ofNullable(traceparent);
  }

  /**
   * The record schema's full name, such as {@code io.tideway.contracts.customer.CustomerCreated}.
   */
  public String eventType() {
    return record.getSchema().getFullName();
  }

  /** The topic the relay routes the event to: {@code <aggregateType>.events}. */
  public String topic() {
    return aggregateType + TOPIC_SUFFIX;
  }

  /**
   * The topic of an aggregate type's events.
   *
   * @throws IllegalArgumentException when the aggregate type cannot name a topic
   */
  public static String topicOf(String aggregateType) {
    requireAggregateType(aggregateType);
    return aggregateType + TOPIC_SUFFIX;
  }

  private static void requireAggregateType(String aggregateType) {
    Objects.requireNonNull(aggregateType, "aggregateType must not be null");
    if (aggregateType.isBlank()) {
      throw new IllegalArgumentException("aggregateType must not be blank");
    }
    if (!TOPIC_CHARACTERS.matcher(aggregateType).matches()) {
      throw new IllegalArgumentException(
          "aggregateType '"
              + aggregateType
              + "' cannot name a Kafka topic: use only letters, digits, '.', '_' and '-'");
    }
    int topicLength = aggregateType.length() + TOPIC_SUFFIX.length();
    if (topicLength > MAX_TOPIC_LENGTH) {
      throw new IllegalArgumentException(
          "aggregateType '"
              + aggregateType
              + "' is too long: its topic name would be "
              + topicLength
              + " characters, over Kafka's limit of "
              + MAX_TOPIC_LENGTH);
    }
  }

  private static void requireAggregateId(String aggregateId) {
    Objects.requireNonNull(aggregateId, "aggregateId must not be null");
    if (aggregateId.isBlank()) {
      throw new IllegalArgumentException("aggregateId must not be blank");
    }
    if (aggregateId.length() > MAX_COLUMN_LENGTH) {
      throw new IllegalArgumentException(
          "aggregateId is "
              + aggregateId.length()
              + " characters, over the outbox column's "
              + MAX_COLUMN_LENGTH);
    }
    if (aggregateId.indexOf('\0') >= 0) {
      // PostgreSQL text cannot hold NUL; better refused here than failing the caller's transaction.
      throw new IllegalArgumentException("aggregateId must not contain the NUL character");
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OutboxEvent other
        && id.equals(other.id)
        && aggregateType.equals(other.aggregateType)
        && aggregateId.equals(other.aggregateId)
        && record.equals(other.record)
        && Objects.equals(traceparent, other.traceparent);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, aggregateType, aggregateId, record, traceparent);
  }

  @Override
  public String toString() {
    return eventType() + " " + id + " of " + aggregateType + " " + aggregateId;
  }
}
