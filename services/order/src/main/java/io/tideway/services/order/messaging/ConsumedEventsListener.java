package io.tideway.services.order.messaging;

import io.micrometer.core.instrument.MeterRegistry;
import io.tideway.schemas.serde.AvroDeserializer;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.services.order.application.IncomingEvents;
import io.tideway.services.starter.ServiceProperties;
import io.tideway.services.starter.UnprocessableRecordException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Consumes the customer and inventory events. A record that cannot be decoded, or has no event id,
 * goes to the service's dead-letter topic at once; one whose effect fails is retried with backoff
 * first (see the starter). Offsets are committed after the effect, so a crash redelivers, and the
 * event id makes the redelivery harmless.
 */
@Component
class ConsumedEventsListener implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ConsumedEventsListener.class);

  private final IncomingEvents incoming;
  private final MeterRegistry meters;
  private final AvroDeserializer<SpecificRecord> deserializer = new AvroDeserializer<>();

  ConsumedEventsListener(
      IncomingEvents incoming, ServiceProperties properties, MeterRegistry meters) {
    this.incoming = incoming;
    this.meters = meters;
    deserializer.configure(
        Map.of(
            AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG,
            properties.registryUrl(),
            AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG,
            true),
        false);
  }

  /** The catalogue's topics, unless {@code tideway.order.*-events-topic} names others. */
  @KafkaListener(
      topics = {
        "#{environment['tideway.order.customer-events-topic']"
            + " ?: T(io.tideway.topics.Topics).CUSTOMER_EVENTS.name()}",
        "#{environment['tideway.order.inventory-events-topic']"
            + " ?: T(io.tideway.topics.Topics).INVENTORY_EVENTS.name()}"
      })
  void onEvent(ConsumerRecord<String, byte[]> record) {
    UUID eventId = eventId(record);
    if (record.value() == null) {
      throw unprocessable(record, "no value (a tombstone), which no event is");
    }
    SpecificRecord event = deserializer.deserialize(record.topic(), record.value());
    try (MDC.MDCCloseable id = MDC.putCloseable("eventId", eventId.toString());
        MDC.MDCCloseable trace = MDC.putCloseable("traceparent", header(record, "traceparent"))) {
      IncomingEvents.Outcome outcome;
      try {
        outcome = incoming.apply(eventId, event);
      } catch (RuntimeException e) {
        // Each failed attempt: the error handler retries, then dead-letters.
        meters
            .counter("tideway.order.events.failed", "type", event.getSchema().getName())
            .increment();
        throw e;
      }
      log.debug(
          "{} {} from {}-{}@{}: {}",
          event.getSchema().getName(),
          record.key(),
          record.topic(),
          record.partition(),
          record.offset(),
          outcome);
    }
  }

  private static UUID eventId(ConsumerRecord<String, byte[]> record) {
    String id = header(record, "id");
    if (id == null) {
      throw unprocessable(record, "no id header, which every event carries");
    }
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw unprocessable(record, "id header '" + id + "' is not a UUID");
    }
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null || header.value() == null
        ? null
        : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static UnprocessableRecordException unprocessable(
      ConsumerRecord<String, byte[]> record, String problem) {
    return new UnprocessableRecordException(
        record.topic(), record.partition(), record.offset(), problem);
  }

  @Override
  public void close() {
    deserializer.close();
  }
}
