package io.tideway.services.starter;

import io.micrometer.core.instrument.MeterRegistry;
import io.tideway.schemas.serde.AvroDeserializer;
import io.tideway.schemas.serde.AvroSerdeConfig;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Reads and handles what a listener consumed from an events or commands topic: the {@code id}
 * header and the Avro value, decoded as its generated class. A record without either is an {@link
 * UnprocessableRecordException}, which the error handler dead-letters at once; so is one whose
 * bytes are not in the wire format (a {@code SerializationException}).
 */
public final class InboundEvents implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(InboundEvents.class);

  private final AvroDeserializer<SpecificRecord> deserializer = new AvroDeserializer<>();
  private final MeterRegistry meters;

  InboundEvents(String registryUrl, MeterRegistry meters) {
    this.meters = meters;
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

    /** Puts {@code eventId} and {@code traceparent} in the logging context until closed. */
    public LogContext logContext() {
      MDC.put("eventId", id.toString());
      if (traceparent != null) {
        MDC.put("traceparent", traceparent);
      }
      return () -> {
        MDC.remove("eventId");
        MDC.remove("traceparent");
      };
    }
  }

  /** A logging context that closes without a checked exception. */
  @FunctionalInterface
  public interface LogContext extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Decodes a record.
   *
   * @throws UnprocessableRecordException when it has no usable {@code id} header or no value
   */
  public Inbound read(ConsumerRecord<String, byte[]> record) {
    String id = header(record, "id");
    if (id == null) {
      throw unprocessable(record, "no id header, which every event and command carries");
    }
    UUID eventId;
    try {
      eventId = UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw unprocessable(record, "id header '" + id + "' is not a UUID");
    }
    if (record.value() == null) {
      throw unprocessable(record, "no value (a tombstone), which no event or command is");
    }
    SpecificRecord value = deserializer.deserialize(record.topic(), record.value());
    return new Inbound(eventId, value, header(record, "traceparent"));
  }

  /**
   * Decodes a record and applies its effect with {@code eventId} and {@code traceparent} in the
   * logging context, counting each outcome in {@code <metric>.consumed{type,outcome}} and each
   * failed attempt in {@code <metric>.failed{type}}; a failure is rethrown for the error handler to
   * retry or dead-letter.
   *
   * @param metric the counters' prefix, e.g. {@code tideway.order.events}
   * @param effect applies the record in its own transaction and says what came of it
   */
  public <O extends Enum<O>> O handle(
      ConsumerRecord<String, byte[]> record, String metric, Function<Inbound, O> effect) {
    Inbound inbound = read(record);
    try (LogContext context = inbound.logContext()) {
      O outcome;
      try {
        outcome = effect.apply(inbound);
      } catch (RuntimeException e) {
        failed(inbound, metric);
        throw e;
      }
      applied(record, inbound, metric, outcome);
      return outcome;
    }
  }

  /**
   * Counts a record whose effect is committed in {@code <metric>.consumed{type,outcome}}, and logs
   * it at debug.
   */
  public void applied(
      ConsumerRecord<?, ?> record, Inbound inbound, String metric, Enum<?> outcome) {
    meters
        .counter(
            metric + ".consumed", "type", inbound.type(), "outcome", outcome.name().toLowerCase())
        .increment();
    log.debug(
        "{} {} from {}-{}@{}: {}",
        inbound.type(),
        record.key(),
        record.topic(),
        record.partition(),
        record.offset(),
        outcome);
  }

  /** Counts a failed attempt to apply a record in {@code <metric>.failed{type}}. */
  public void failed(Inbound inbound, String metric) {
    meters.counter(metric + ".failed", "type", inbound.type()).increment();
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
