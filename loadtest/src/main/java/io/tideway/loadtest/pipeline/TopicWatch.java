package io.tideway.loadtest.pipeline;

import io.tideway.loadtest.RunContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Watches a topic from its end, committed records only, and hands each record's event id (from a
 * header) and {@code occurredAt} header to a listener with the wall-clock millisecond it was seen.
 * No group: it assigns itself every partition.
 */
final class TopicWatch implements AutoCloseable {

  /** What to do with a record seen. */
  interface Listener {
    void seen(String eventId, long occurredAt, long seenAt);
  }

  private final RunContext context;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String idHeader;
  private final Listener listener;
  private final Thread thread;
  private volatile boolean running = true;

  /**
   * @param idHeader the header carrying the event id: {@code id} on the platform's topics
   */
  TopicWatch(RunContext context, String topic, String idHeader, Listener listener) {
    this.context = context;
    this.idHeader = idHeader;
    this.listener = listener;
    this.consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                context.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
            .map(p -> new TopicPartition(topic, p.partition()))
            .toList();
    if (partitions.isEmpty()) {
      consumer.close();
      throw new IllegalStateException("No topic " + topic);
    }
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    this.thread = new Thread(this::run, "watch-" + topic);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          long seenAt = System.currentTimeMillis();
          String id = header(record, idHeader);
          String occurredAt = header(record, "occurredAt");
          if (id != null) {
            listener.seen(id, occurredAt == null ? seenAt : Long.parseLong(occurredAt), seenAt);
          }
        }
      }
    } catch (RuntimeException e) {
      if (running) {
        context.fail(e);
      }
    } finally {
      consumer.close();
    }
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(5_000);
  }
}
