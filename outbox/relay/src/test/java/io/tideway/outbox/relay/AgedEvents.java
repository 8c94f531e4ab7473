package io.tideway.outbox.relay;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Dates an event whose aggregate id starts with {@value #PREFIX} to the epoch, so that a topic
 * keeping a bound on record times refuses it, as Kafka refuses an event sent long after it was
 * committed.
 */
public final class AgedEvents implements ProducerInterceptor<byte[], byte[]> {

  static final String PREFIX = "aged-";

  @Override
  public ProducerRecord<byte[], byte[]> onSend(ProducerRecord<byte[], byte[]> record) {
    if (!record.topic().endsWith(".events")
        || record.key() == null
        || !new String(record.key(), StandardCharsets.UTF_8).startsWith(PREFIX)) {
      return record;
    }
    return new ProducerRecord<>(
        record.topic(), record.partition(), 0L, record.key(), record.value(), record.headers());
  }

  @Override
  public void onAcknowledgement(RecordMetadata metadata, Exception exception) {}

  @Override
  public void close() {}

  @Override
  public void configure(Map<String, ?> configs) {}
}
