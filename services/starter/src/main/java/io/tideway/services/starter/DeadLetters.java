package io.tideway.services.starter;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConsumerAwareRecordRecoverer;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.kafka.support.serializer.DelegatingByTypeSerializer;

/**
 * Sends a listener's failed record, with its original bytes and headers, to the service's
 * dead-letter topic, with Spring for Apache Kafka's {@code kafka_dlt-*} headers naming where it was
 * read and what failed; its producer is closed with the application context. A record too large for
 * its dead letter to carry it (its topic takes more than the producer sends) goes without its key,
 * value and headers, which Kafka would refuse, and the record's retries with them, for ever: the
 * dead letter names the record's topic, partition and offset, where {@code tideway replay dlq}
 * reads it again, and {@value #OMITTED_HEADER} says what was left out.
 */
final class DeadLetters implements ConsumerAwareRecordRecoverer, AutoCloseable {

  /** The header of a dead letter sent without its record's bytes, saying how many there were. */
  static final String OMITTED_HEADER = "tideway.dead-letter.omitted";

  /** A batch's and a record's own fields (lengths, offsets, times), with room to spare. */
  private static final int OVERHEAD = 1 << 10;

  /** The stack trace an oversized dead letter keeps, enough to see where the failure came from. */
  private static final int STACKTRACE_KEPT = 8 << 10;

  private final DefaultKafkaProducerFactory<Object, Object> producers;
  private final DeadLetterPublishingRecoverer recoverer;

  /**
   * @param producerSettings the service's Kafka producer settings; the dead letters'
   *     acknowledgement and idempotence are set here
   * @param topic the dead-letter topic
   */
  DeadLetters(Map<String, Object> producerSettings, String topic) {
    Map<String, Object> settings = new HashMap<>(producerSettings);
    settings.put(ProducerConfig.ACKS_CONFIG, "all");
    settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // Keys and values as the listener received them: text keys, raw bytes.
    Map<Class<?>, Serializer<?>> byType =
        Map.of(String.class, new StringSerializer(), byte[].class, new ByteArraySerializer());
    producers =
        new DefaultKafkaProducerFactory<>(
            settings,
            new DelegatingByTypeSerializer(byType),
            new DelegatingByTypeSerializer(byType));
    int limit =
        Math.min(
            Integer.parseInt(
                String.valueOf(
                    settings.getOrDefault(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1 << 20))),
            1 << 20);
    // Partition -1: the producer chooses, so the topic need not have as many as the source.
    recoverer =
        new DeadLetterPublishingRecoverer(
            new KafkaTemplate<>(producers), (record, e) -> new TopicPartition(topic, -1)) {
          @Override
          protected ProducerRecord<Object, Object> createProducerRecord(
              ConsumerRecord<?, ?> record,
              TopicPartition topicPartition,
              Headers headers,
              byte[] key,
              byte[] value) {
            ProducerRecord<Object, Object> letter =
                super.createProducerRecord(record, topicPartition, headers, key, value);
            int size =
                Math.max(0, record.serializedKeySize())
                    + Math.max(0, record.serializedValueSize())
                    + size(headers);
            return size + OVERHEAD <= limit ? letter : withoutBytes(letter, size, limit);
          }
        };
  }

  @Override
  public void accept(ConsumerRecord<?, ?> record, Consumer<?, ?> consumer, Exception failure) {
    recoverer.accept(record, consumer, ListenerFailures.underlying(failure));
  }

  @Override
  public void close() {
    producers.destroy();
  }

  private static ProducerRecord<Object, Object> withoutBytes(
      ProducerRecord<Object, Object> letter, int size, int limit) {
    Headers kept = new RecordHeaders();
    for (Header header : letter.headers()) {
      if (header.key().equals(KafkaHeaders.DLT_EXCEPTION_STACKTRACE)) {
        String trace = new String(header.value(), StandardCharsets.UTF_8);
        kept.add(
            header.key(),
            trace
                .substring(0, Math.min(trace.length(), STACKTRACE_KEPT))
                .getBytes(StandardCharsets.UTF_8));
      } else if (header.key().startsWith(KafkaHeaders.PREFIX + "dlt-")) {
        kept.add(header);
      }
    }
    String omitted =
        "key, value and headers of "
            + size
            + " bytes, over the dead-letter limit of "
            + limit
            + ": read the record from the topic, partition and offset named";
    kept.add(OMITTED_HEADER, omitted.getBytes(StandardCharsets.UTF_8));
    return new ProducerRecord<>(
        letter.topic(), letter.partition(), letter.timestamp(), null, null, kept);
  }

  private static int size(Headers headers) {
    int size = 0;
    for (Header header : headers) {
      size += header.key().length() * 3 + (header.value() == null ? 0 : header.value().length);
    }
    return size;
  }
}
