package io.tideway.outbox;

import io.micrometer.core.instrument.MeterRegistry;
import io.tideway.outbox.OutboxMetrics.Rejection;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.schemas.serde.AvroSerializer;
import io.tideway.schemas.serde.TopicRecordNameStrategy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends events to the {@code outbox} table in the caller's transaction, so that a change and the
 * event announcing it commit together or not at all. The relay then carries each committed event
 * from the WAL to Kafka.
 *
 * <pre>{@code
 * Outbox outbox =
 *     Outbox.builder(Map.of("schema.registry.url", "http://registry:8081"))
 *         .traceparentSource(tracing::currentTraceparent)
 *         .meterRegistry(meterRegistry)
 *         .build();
 *
 * connection.setAutoCommit(false);
 * // ... change the service's own tables on the same connection ...
 * outbox.append(connection, OutboxEvent.of("customer", id.toString(), customerCreated));
 * connection.commit();
 * }</pre>
 *
 * <p>For each event, before writing anything, the outbox
 *
 * <ol>
 *   <li>takes the event's traceparent, or else the traceparent source's (checked like the event's);
 *   <li>refuses a connection in auto-commit mode or a read-only one;
 *   <li>serializes the record in the Confluent wire format, registering or looking up its schema as
 *       the serde settings say, under the subject {@code <aggregateType>.events-<record full name>}
 *       unless {@code value.subject.name.strategy} says otherwise;
 *   <li>refuses a payload over {@link Builder#maxPayloadBytes}.
 * </ol>
 *
 * A refused event fails the call with an exception and leaves the caller's transaction as it was.
 * Then the outbox inserts the row and deletes it again in the same transaction: the WAL keeps the
 * insert, which is what the relay publishes, and the table stays empty. The caller commits or rolls
 * back.
 *
 * <p>Metrics, with a {@link MeterRegistry}: {@code tideway.outbox.appended} (tags {@code
 * aggregateType}, {@code eventType}) counts events appended, whether their transaction commits or
 * not; {@code tideway.outbox.rejected} (tag {@code reason}: {@code schema}, {@code size}, {@code
 * input}, {@code transaction}) counts events refused. Each appended event is logged at debug with
 * its id and trace id.
 *
 * <p>Thread-safe: one outbox serves a whole service. {@link #close()} releases the registry client.
 */
public final class Outbox implements AutoCloseable {

  /**
   * The default payload limit, in bytes: below the broker's default {@code message.max.bytes} of
   * 1,048,588, so that the record's key and headers fit as well.
   */
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1_000_000;

  private static final Logger log = LoggerFactory.getLogger(Outbox.class);

  private static final String INSERT =
      "INSERT INTO public.outbox (id, aggregatetype, aggregateid, type, payload, tracingspancontext)"
          + " VALUES ";
  private static final String ROW = "(?, ?, ?, ?, ?, ?)";
  private static final String DELETE_ONE = "; DELETE FROM public.outbox WHERE id = ?";
  private static final String DELETE_ALL = "; DELETE FROM public.outbox WHERE id = ANY (?)";

  /** Rows per statement at most: six parameters each, far below PostgreSQL's 65,535. */
  private static final int ROWS_PER_STATEMENT = 1_000;

  private final AvroSerializer<IndexedRecord> serializer;
  private final int maxPayloadBytes;
  private final Supplier<Optional<String>> traceparentSource;
  private final OutboxMetrics metrics;

  private Outbox(Builder builder, AvroSerializer<IndexedRecord> serializer) {
    this.serializer = serializer;
    this.maxPayloadBytes = builder.maxPayloadBytes;
    this.traceparentSource = builder.traceparentSource;
    this.metrics = OutboxMetrics.of(builder.meterRegistry);
  }

  /**
   * Starts an outbox configured with serde settings under Confluent's keys.
   *
   * @param serdeConfig {@code schema.registry.url} (required), {@code auto.register.schemas},
   *     {@code use.latest.version} and the other keys of {@link AvroSerdeConfig}; others are
   *     ignored, so a service may pass its whole Kafka configuration
   */
  public static Builder builder(Map<String, ?> serdeConfig) {
    return new Builder(serdeConfig);
  }

  /**
   * Registers or looks up the schemas of an aggregate type's events, as an append of them would,
   * ahead of any transaction. The registry client keeps the answers, so that appending such an
   * event does not call the registry while its transaction holds locks and a pooled connection: a
   * registry that is slow or down then delays no prepared append. A service prepares the events it
   * publishes at start (the services' starter does, from its {@code PublishedEvents} beans).
   *
   * @param aggregateType the aggregate type the events are appended under, which names the topic
   * @param schemas the events' record schemas
   * @throws OutboxException naming the schema the registry refused, or could not be asked about
   * @throws IllegalArgumentException when the aggregate type cannot name a topic
   */
  public void prepare(String aggregateType, Collection<Schema> schemas) {
    String topic = OutboxEvent.topicOf(aggregateType);
    for (Schema schema : schemas) {
      try {
        serializer.prepare(topic, schema);
      } catch (SerializationException e) {
        throw new OutboxException(
            "Cannot prepare the events "
                + schema.getFullName()
                + " of aggregate type "
                + aggregateType
                + ": "
                + e.getMessage(),
            e);
      }
    }
  }

  /**
   * Appends one event in the connection's current transaction.
   *
   * @param connection a connection with auto-commit off, in the transaction of the change the event
   *     announces
   * @param event the event
   * @return the event id
   * @throws OutboxException when the record cannot be serialized or its payload is too large
   * @throws IllegalStateException when the connection is in auto-commit mode or read-only
   * @throws IllegalArgumentException when the traceparent source gives an invalid traceparent
   * @throws SQLException when the database refuses the row; the transaction is then aborted
   */
  public UUID append(Connection connection, OutboxEvent event) throws SQLException {
    Objects.requireNonNull(event, "event");
    return appendAll(connection, List.of(event)).get(0);
  }

  /**
   * Appends events in the connection's current transaction, in one JDBC batch: all of them, or,
   * when one is refused, none.
   *
   * @param connection a connection with auto-commit off, in the transaction of the changes the
   *     events announce
   * @param events the events, with distinct ids
   * @return the event ids, in the order of the events
   * @throws OutboxException when a record cannot be serialized or a payload is too large
   * @throws IllegalStateException when the connection is in auto-commit mode or read-only
   * @throws IllegalArgumentException when two events have the same id, or the traceparent source
   *     gives an invalid traceparent
   * @throws SQLException when the database refuses a row; the transaction is then aborted
   */
  public List<UUID> appendAll(Connection connection, List<OutboxEvent> events) throws SQLException {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(events, "events");
    for (int i = 0; i < events.size(); i++) {
      Objects.requireNonNull(events.get(i), "events[" + i + "]");
    }
    if (events.isEmpty()) {
      return List.of();
    }
    List<String> traceparents = checkInput(events);
    requireTransaction(connection, events);
    List<Row> rows = serialize(events, traceparents);
    write(connection, rows);
    List<UUID> ids = new ArrayList<>(rows.size());
    for (Row row : rows) {
      ids.add(row.event().id());
      metrics.appended(row.event());
      if (log.isDebugEnabled()) {
        log.debug(
            "Appended {} to the outbox, trace {}",
            row.event(),
            row.traceparent() == null ? "none" : Traceparent.traceId(row.traceparent()));
      }
    }
    return ids;
  }

  /** Releases the schema registry client, unless it is a {@code mock://} registry. */
  @Override
  public void close() {
    serializer.close();
  }

  /** For {@link TransactionalOutbox}, which refuses events before they reach this outbox. */
  void rejectedOutsideTransaction(int events) {
    metrics.rejected(Rejection.TRANSACTION, events);
  }

  /** Returns each event's traceparent, or null where it has none. */
  private List<String> checkInput(List<OutboxEvent> events) {
    try {
      Map<UUID, Integer> positions = new HashMap<>();
      for (int i = 0; i < events.size(); i++) {
        Integer earlier = positions.putIfAbsent(events.get(i).id(), i);
        if (earlier != null) {
          throw new IllegalArgumentException(
              "events["
                  + earlier
                  + "] and events["
                  + i
                  + "] have the same id "
                  + events.get(i).id()
                  + "; consumers would drop the second as a duplicate");
        }
      }
      // Asked once: every event of the call is written within the same span.
      Optional<String> fromSource =
          events.stream().allMatch(e -> e.traceparent().isPresent())
              ? Optional.empty()
              : Objects.requireNonNullElse(traceparentSource.get(), Optional.<String>empty())
                  .map(t -> Traceparent.require(t, "traceparent from the traceparent source"));
      List<String> traceparents = new ArrayList<>(events.size());
      for (OutboxEvent event : events) {
        traceparents.add(event.traceparent().or(() -> fromSource).orElse(null));
      }
      return traceparents;
    } catch (IllegalArgumentException e) {
      metrics.rejected(Rejection.INPUT, events.size());
      throw e;
    }
  }

  private void requireTransaction(Connection connection, List<OutboxEvent> events)
      throws SQLException {
    if (connection.getAutoCommit()) {
      metrics.rejected(Rejection.TRANSACTION, events.size());
      throw new IllegalStateException(
          "Cannot append "
              + describe(events)
              + " to the outbox: the connection is in auto-commit mode, so the event would commit"
              + " on its own, apart from the change it announces. Append in the caller's"
              + " transaction: setAutoCommit(false), write the change and the event, then commit.");
    }
    if (connection.isReadOnly()) {
      metrics.rejected(Rejection.TRANSACTION, events.size());
      throw new IllegalStateException(
          "Cannot append "
              + describe(events)
              + " to the outbox: the connection is read-only; append in the read-write"
              + " transaction of the change the event announces.");
    }
  }

  private List<Row> serialize(List<OutboxEvent> events, List<String> traceparents) {
    List<Row> rows = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      OutboxEvent event = events.get(i);
      byte[] payload;
      try {
        payload = serializer.serialize(event.topic(), event.record());
      } catch (SerializationException e) {
        metrics.rejected(Rejection.SCHEMA, events.size());
        throw new OutboxException(
            "Cannot append " + event + " to the outbox: " + e.getMessage(), e);
      }
      if (payload.length > maxPayloadBytes) {
        metrics.rejected(Rejection.SIZE, events.size());
        throw new OutboxException(
            "Cannot append "
                + event
                + " to the outbox: its payload is "
                + payload.length
                + " bytes, over the limit of "
                + maxPayloadBytes
                + " bytes (maxPayloadBytes) that keeps the Kafka record, with its key and headers,"
                + " within the broker's message.max.bytes",
            null);
      }
      rows.add(new Row(event, payload, traceparents.get(i)));
    }
    return rows;
  }

  /**
   * Inserts the rows and deletes them again. The inserts stay in the WAL, which is all the relay
   * reads, while the table stays empty: nothing to clean up, and the rows are visible to no one
   * after the commit. Both in one statement text, which the driver sends in one round trip: on a
   * small host the round trips, not the rows, were most of an append's cost.
   */
  private static void write(Connection connection, List<Row> rows) throws SQLException {
    for (int from = 0; from < rows.size(); from += ROWS_PER_STATEMENT) {
      List<Row> chunk = rows.subList(from, Math.min(rows.size(), from + ROWS_PER_STATEMENT));
      boolean one = chunk.size() == 1;
      String sql =
          INSERT
              + String.join(", ", Collections.nCopies(chunk.size(), ROW))
              + (one ? DELETE_ONE : DELETE_ALL);
      try (PreparedStatement statement = connection.prepareStatement(sql)) {
        int parameter = 0;
        for (Row row : chunk) {
          OutboxEvent event = row.event();
          statement.setObject(++parameter, event.id());
          statement.setString(++parameter, event.aggregateType());
          statement.setString(++parameter, event.aggregateId());
          statement.setString(++parameter, event.eventType());
          statement.setBytes(++parameter, row.payload());
          statement.setString(++parameter, row.traceparent());
        }
        if (one) {
          statement.setObject(++parameter, chunk.get(0).event().id());
        } else {
          statement.setArray(
              ++parameter,
              connection.createArrayOf(
                  "uuid", chunk.stream().map(row -> row.event().id()).toArray(UUID[]::new)));
        }
        statement.execute();
      }
    }
  }

  private static String describe(List<OutboxEvent> events) {
    return events.size() == 1
        ? events.get(0).toString()
        : events.size() + " events (the first: " + events.get(0) + ")";
  }

  private record Row(OutboxEvent event, byte[] payload, String traceparent) {}

  /** Configures an {@link Outbox}. */
  public static final class Builder {

    private final Map<String, Object> serdeConfig;
    private int maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES;
    private Supplier<Optional<String>> traceparentSource = Optional::empty;
    private MeterRegistry meterRegistry;

    private Builder(Map<String, ?> serdeConfig) {
      this.serdeConfig = new HashMap<>(Objects.requireNonNull(serdeConfig, "serdeConfig"));
      // An aggregate's topic carries all its event types: one subject each, evolving on its own.
      this.serdeConfig.putIfAbsent(
          AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG,
          TopicRecordNameStrategy.class.getName());
    }

    /**
     * The largest payload, in bytes, an event may have; {@value Outbox#DEFAULT_MAX_PAYLOAD_BYTES}
     * unless set. Raise it only together with the broker's or topic's message size limit and the
     * relay producer's {@code max.request.size}.
     *
     * @throws IllegalArgumentException when not positive
     */
    public Builder maxPayloadBytes(int maxPayloadBytes) {
      if (maxPayloadBytes <= 0) {
        throw new IllegalArgumentException(
            "maxPayloadBytes must be positive, not " + maxPayloadBytes);
      }
      this.maxPayloadBytes = maxPayloadBytes;
      return this;
    }

    /**
     * Where the traceparent of an event without one comes from, such as the tracer's current span;
     * asked once per call. None by default. A value that is not a valid W3C traceparent fails the
     * call with an {@link IllegalArgumentException}.
     */
    public Builder traceparentSource(Supplier<Optional<String>> traceparentSource) {
      this.traceparentSource = Objects.requireNonNull(traceparentSource, "traceparentSource");
      return this;
    }

    /** Where the outbox's counters go; none by default. */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /**
     * Builds the outbox and its serializer. The schema registry is not contacted until the first
     * event.
     *
     * @throws org.apache.kafka.common.config.ConfigException naming a missing or invalid serde key
     */
    public Outbox build() {
      AvroSerializer<IndexedRecord> serializer = new AvroSerializer<>();
      serializer.configure(serdeConfig, false);
      return new Outbox(this, serializer);
    }
  }
}
