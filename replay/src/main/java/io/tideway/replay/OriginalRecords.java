package io.tideway.replay;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads single records by their position: the originals of dead letters that do not carry their
 * record's bytes. The consumer is made at the first read.
 */
final class OriginalRecords implements AutoCloseable {

  private static final Duration POLL = Duration.ofMillis(100);

  private final Supplier<KafkaConsumer<byte[], byte[]>> consumers;
  private KafkaConsumer<byte[], byte[]> consumer;

  OriginalRecords(Supplier<KafkaConsumer<byte[], byte[]>> consumers) {
    this.consumers = consumers;
  }

  /**
   * The committed record at an offset, or empty when the log no longer holds it (deleted by
   * retention, compacted away) or never did (an offset past the end, a record of an aborted
   * transaction).
   *
   * @throws IllegalStateException when Kafka does not deliver it within {@link
   *     ReplayClients#TIMEOUT}
   */
  Optional<ConsumerRecord<byte[], byte[]>> at(String topic, int partition, long offset) {
    if (consumer == null) {
      consumer = consumers.get();
    }
    TopicPartition where = new TopicPartition(topic, partition);
    consumer.assign(List.of(where));
    long start = consumer.beginningOffsets(List.of(where), ReplayClients.TIMEOUT).get(where);
    long end = consumer.endOffsets(List.of(where), ReplayClients.TIMEOUT).get(where);
    if (offset < start || offset >= end) {
      return Optional.empty();
    }
    consumer.seek(where, offset);
    long deadline = System.nanoTime() + ReplayClients.TIMEOUT.toNanos();
    while (consumer.position(where) <= offset) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "Could not read " + where + "@" + offset + " within " + ReplayClients.TIMEOUT);
      }
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL).records(where)) {
        if (record.offset() >= offset) {
          return record.offset() == offset ? Optional.of(record) : Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  @Override
  public void close() {
    if (consumer != null) {
      consumer.close(ReplayClients.TIMEOUT);
    }
  }
}
