package io.tideway.services.starter;

import io.tideway.topics.DeadLetterLimit;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
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
 * value and headers ({@link DeadLetterLimit}), which Kafka would refuse, and the record's retries
 * with them, for ever: the dead letter names the record's topic, partition and offset, where {@code
 * tideway replay dlq} reads it again.
 */
final class DeadLetters implements ConsumerAwareRecordRecoverer, AutoCloseable {

  private static final List<String> PLACE =
      List.of(
          KafkaHeaders.DLT_ORIGINAL_TOPIC,
          KafkaHeaders.DLT_ORIGINAL_PARTITION,
          KafkaHeaders.DLT_ORIGINAL_OFFSET,
          KafkaHeaders.DLT_ORIGINAL_TIMESTAMP,
          KafkaHeaders.DLT_ORIGINAL_TIMESTAMP_TYPE,
          KafkaHeaders.DLT_ORIGINAL_CONSUMER_GROUP);

  private static final List<String> DESCRIPTION =
      List.of(
          KafkaHeaders.DLT_EXCEPTION_FQCN,
          KafkaHeaders.DLT_EXCEPTION_CAUSE_FQCN,
          KafkaHeaders.DLT_EXCEPTION_MESSAGE,
          KafkaHeaders.DLT_EXCEPTION_STACKTRACE,
          KafkaHeaders.DLT_KEY_EXCEPTION_FQCN,
          KafkaHeaders.DLT_KEY_EXCEPTION_MESSAGE,
          KafkaHeaders.DLT_KEY_EXCEPTION_STACKTRACE);

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
    DeadLetterLimit limit =
        DeadLetterLimit.forProducer(settings.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
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
            return fitted(
                super.createProducerRecord(record, topicPartition, headers, key, value),
                record,
                limit);
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

  /** The dead letter of a record, or one without its bytes when it is too large to send. */
  static ProducerRecord<Object, Object> fitted(
      ProducerRecord<Object, Object> letter, ConsumerRecord<?, ?> record, DeadLetterLimit limit) {
    int size =
        DeadLetterLimit.size(
            bytes(letter.key(), record.serializedKeySize()),
            bytes(letter.value(), record.serializedValueSize()),
            letter.headers());
    return limit.fitted(letter, size, PLACE, DESCRIPTION);
  }

  /**
   * The length of a key or value as the dead letter writes it (text keys, raw bytes); else the
   * record's as it was read.
   */
  private static int bytes(Object keyOrValue, int asRead) {
    if (keyOrValue instanceof byte[] bytes) {
      return bytes.length;
    }
    if (keyOrValue instanceof String text) {
      return text.getBytes(StandardCharsets.UTF_8).length;
    }
    return asRead;
  }
}
