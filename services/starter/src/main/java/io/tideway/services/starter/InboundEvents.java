package io.tideway.services.starter;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.tideway.outbox.Traceparent;
import io.tideway.schemas.serde.AvroDeserializer;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.schemas.serde.NoGeneratedClassException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Reads and handles what a listener consumed from an events or commands topic: the {@code id}
 * header and the Avro value, decoded as its generated class. A record without either is an {@link
 * UnprocessableRecordException}, which the error handler dead-letters at once; so is one whose
 * bytes cannot be decoded (not in the wire format, a schema id the registry does not have), unless
 * the registry could not answer, which is retried. An event of a type the service has no generated
 * class for is skipped, as one of a type it does not handle. Listeners hand it what they polled, a
 * batch at a time (see {@link #handleBatch}).
 */
public final class InboundEvents implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(InboundEvents.class);

  /** The {@code type} of a failed record that could not be decoded. */
  static final String UNDECODABLE = "undecodable";

  private final AvroDeserializer<SpecificRecord> deserializer = new AvroDeserializer<>();
  private final Set<String> unknownTypes = ConcurrentHashMap.newKeySet();
  private final MeterRegistry meters;
  private final TransactionOperations transactions;

  InboundEvents(String registryUrl, MeterRegistry meters, TransactionOperations transactions) {
    this.meters = meters;
    this.transactions = transactions;
    deserializer.configure(
        Map.of(
            AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG,
            registryUrl,
            AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG,
            true),
        false);
  }

  /**
   * One consumed event or command.
   *
   * @param id its {@code id} header: the key it is deduplicated by
   * @param value the decoded record
   * @param traceparent its W3C trace context, or null
   */
  public record Inbound(UUID id, SpecificRecord value, String traceparent) {

    /** The record's type, e.g. {@code ReserveCredit}. */
    public String type() {
      return value.getSchema().getName();
    }

    /**
     * Puts {@code eventId} and {@code traceparent} in the logging context until closed: the
     * traceparent of the work done on the record's behalf, in its trace (a new one when it carries
     * none), which the events this work appends carry on. Closed, it puts back what was there, so
     * that one opened within another's leaves the outer one as it was.
     */
    public LogContext logContext() {
      String outerEventId = MDC.get(EVENT_ID);
      String outerTraceparent = MDC.get(TraceContextFilter.TRACEPARENT);
      MDC.put(EVENT_ID, id.toString());
      MDC.put(TraceContextFilter.TRACEPARENT, Traceparent.childOf(traceparent));
      return () -> {
        restore(EVENT_ID, outerEventId);
        restore(TraceContextFilter.TRACEPARENT, outerTraceparent);
      };
    }

    private static void restore(String key, String value) {
      if (value == null) {
        MDC.remove(key);
      } else {
        MDC.put(key, value);
      }
    }

    private static final String EVENT_ID = "eventId";
  }

  /** A logging context that closes without a checked exception. */
  @FunctionalInterface
  public interface LogContext extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * The UUID an id header spells in the canonical form (in either case), else null: {@link
   * UUID#fromString} also takes short and over-long groups, which would make two different ids of a
   * foreign producer one, and the second record skipped as the first's duplicate.
   */
  static UUID canonicalId(String id) {
    try {
      UUID parsed = UUID.fromString(id);
      return parsed.toString().equalsIgnoreCase(id) ? parsed : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * Decodes a record.
   *
   * @throws UnprocessableRecordException when it has no usable {@code id} header or no value
   */
  private Inbound read(ConsumerRecord<String, byte[]> record) {
    String id = header(record, "id");
    if (id == null) {
      throw unprocessable(record, "no id header, which every event and command carries");
    }
    UUID eventId = canonicalId(id);
    if (eventId == null) {
      throw unprocessable(record, "id header '" + id + "' is not a UUID (8-4-4-4-12 hex digits)");
    }
    if (record.value() == null) {
      throw unprocessable(record, "no value (a tombstone), which no event or command is");
    }
    SpecificRecord value;
    try {
      value = deserializer.deserialize(record.topic(), record.value());
    } catch (NoGeneratedClassException unknownType) {
      throw unknownType;
    } catch (SerializationException e) {
      if (ListenerFailures.outage(e)) {
        throw e; // the registry cannot serve now: nothing about the record
      }
      throw new UnprocessableRecordException(
          record.topic(), record.partition(), record.offset(), e.getMessage(), e);
    }
    return new Inbound(eventId, value, header(record, "traceparent"));
  }

  /**
   * Decodes a polled batch of records and applies all their effects in one database transaction:
   * one commit, and one wait for the disk, per batch rather than per record is what lets a service
   * keep up with hundreds of events a second. Each outcome is counted in {@code
   * <metric>.consumed{type,outcome}}, each failed attempt in {@code <metric>.failed{type}}, the
   * records committed per transaction in {@code <metric>.batch}.
   *
   * <p>A batch that fails as a whole (an effect that fails, a lost deadlock) is rolled back and
   * applied again one record per transaction, with that record's {@code eventId} and {@code
   * traceparent} in the logging context, counted in {@code <metric>.batch.split}: the records
   * before the failing one land and the failing one alone is handed to the error handler, which
   * retries it as {@link ListenerFailures} says, then dead-letters it. A record that cannot be
   * decoded is handed over at once, after the records before it are committed; an event of a type
   * the service has no generated class for (newer than its contracts) is skipped and counted as
   * {@code ignored}, as the effect would count one of a type it does not handle.
   *
   * @param metric the counters' prefix, e.g. {@code tideway.order.events}
   * @param effect applies records, in order and in the transaction it is called in, and says what
   *     came of each; called with the whole batch, or with one record when a batch is split
   * @throws BatchListenerFailedException naming the record that failed
   */
  public <O extends Enum<O>> void handleBatch(
      List<ConsumerRecord<String, byte[]>> records,
      String metric,
      Function<List<Inbound>, List<O>> effect) {
    handleBatch(records, metric, effect, true);
  }

  /**
   * {@link #handleBatch}, an event of a type the service has no generated class for either skipped
   * or refused.
   *
   * @param unknownTypesSkipped whether such an event is skipped, as one of a type the service does
   *     not handle, or refused (dead-lettered at once), as a command must be
   */
  <O extends Enum<O>> void handleBatch(
      List<ConsumerRecord<String, byte[]>> records,
      String metric,
      Function<List<Inbound>, List<O>> effect,
      boolean unknownTypesSkipped) {
    Batch<O> batch = new Batch<>(records.size(), metric, effect);
    for (ConsumerRecord<String, byte[]> record : records) {
      Inbound inbound;
      try {
        inbound = read(record);
      } catch (NoGeneratedClassException unknownType) {
        if (unknownTypesSkipped) {
          skipped(record, unknownType.typeName(), metric);
          continue;
        }
        batch.apply();
        meters.counter(metric + ".failed", "type", UNDECODABLE).increment();
        throw ListenerFailures.failure(unprocessable(record, unknownType.getMessage()), record);
      } catch (RuntimeException e) {
        batch.apply();
        meters.counter(metric + ".failed", "type", UNDECODABLE).increment();
        throw ListenerFailures.failure(e, record);
      }
      batch.add(record, inbound);
    }
    batch.apply();
  }

  /**
   * Passes over an event of a type newer than the service's contracts (a producer deployed ahead of
   * it), as over one of a type it does not handle: counted as {@code ignored}, its offset committed
   * with those around it; the first of each type is logged.
   */
  private void skipped(ConsumerRecord<?, ?> record, String typeName, String metric) {
    String type = typeName.substring(typeName.lastIndexOf('.') + 1);
    meters.counter(metric + ".consumed", "type", type, "outcome", "ignored").increment();
    if (unknownTypes.add(typeName)) {
      log.info(
          "Skipping {} events from {} (first at {}-{}@{}): this service has no class for the type,"
              + " so it handles none of them",
          typeName,
          record.topic(),
          record.topic(),
          record.partition(),
          record.offset());
    }
  }

  /** The records of a poll decoded so far, not applied yet. */
  private final class Batch<O extends Enum<O>> {
    final List<ConsumerRecord<String, byte[]>> records;
    final List<Inbound> decoded;
    final String metric;
    final Function<List<Inbound>, List<O>> effect;

    Batch(int size, String metric, Function<List<Inbound>, List<O>> effect) {
      this.records = new ArrayList<>(size);
      this.decoded = new ArrayList<>(size);
      this.metric = metric;
      this.effect = effect;
    }

    void add(ConsumerRecord<String, byte[]> record, Inbound inbound) {
      records.add(record);
      decoded.add(inbound);
    }

    /** Applies the decoded records. */
    void apply() {
      if (decoded.isEmpty()) {
        return;
      }
      if (decoded.size() == 1) {
        applyOneByOne(); // nothing to split: rolled back, it would only run again
        return;
      }
      List<O> outcomes;
      try {
        outcomes = transactions.execute(status -> apply(decoded));
      } catch (RuntimeException e) {
        log.info(
            "A batch of {} records failed ({}); applying them one at a time",
            decoded.size(),
            e.toString());
        Counter.builder(metric + ".batch.split")
            .description("Batches rolled back and applied one record at a time")
            .register(meters)
            .increment();
        applyOneByOne();
        return;
      }
      batchSizes().record(decoded.size());
      for (int i = 0; i < decoded.size(); i++) {
        applied(records.get(i), decoded.get(i), outcomes.get(i));
      }
    }

    private void applyOneByOne() {
      for (int i = 0; i < decoded.size(); i++) {
        Inbound inbound = decoded.get(i);
        O outcome;
        try (LogContext context = inbound.logContext()) {
          outcome = transactions.execute(status -> apply(List.of(inbound))).get(0);
        } catch (RuntimeException e) {
          meters.counter(metric + ".failed", "type", inbound.type()).increment();
          throw ListenerFailures.failure(e, records.get(i));
        }
        batchSizes().record(1);
        applied(records.get(i), inbound, outcome);
      }
    }

    private DistributionSummary batchSizes() {
      return DistributionSummary.builder(metric + ".batch")
          .description("Records applied in one database transaction")
          .register(meters);
    }

    private List<O> apply(List<Inbound> inbound) {
      List<O> outcomes = effect.apply(inbound);
      if (outcomes.size() != inbound.size()) {
        throw new IllegalStateException(
            outcomes.size() + " outcomes for " + inbound.size() + " records");
      }
      return outcomes;
    }

    private void applied(ConsumerRecord<?, ?> record, Inbound inbound, O outcome) {
      meters
          .counter(
              metric + ".consumed", "type", inbound.type(), "outcome", outcome.name().toLowerCase())
          .increment();
      if (log.isDebugEnabled()) {
        try (LogContext context = inbound.logContext()) {
          log.debug(
              "{} {} from {}-{}@{}: {}",
              inbound.type(),
              record.key(),
              record.topic(),
              record.partition(),
              record.offset(),
              outcome);
        }
      }
    }
  }

  /** An error naming the record's topic, partition and offset. */
  public static UnprocessableRecordException unprocessable(
      ConsumerRecord<?, ?> record, String problem) {
    return new UnprocessableRecordException(
        record.topic(), record.partition(), record.offset(), problem);
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null || header.value() == null
        ? null
        : new String(header.value(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    deserializer.close();
  }
}
