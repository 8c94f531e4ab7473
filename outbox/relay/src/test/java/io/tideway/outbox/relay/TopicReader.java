package io.tideway.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads an event topic the relay writes, from the beginning, counting the copies of each event id
 * (the {@code id} header), so a test sees both what is missing and what came twice. No consumer
 * group: partitions are assigned directly, so no rebalance slows the reading.
 */
final class TopicReader implements AutoCloseable {

  private final String topic;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Map<String, Integer> copies = new HashMap<>();
  private List<TopicPartition> partitions = List.of();

  TopicReader(String bootstrapServers, String topic) {
    this.topic = topic;
    this.consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG,
                false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
  }

  /** The events of the topic so far, by id; what the reader has read, not necessarily all. */
  record Delivered(Map<String, Integer> copies) {

    Set<String> ids() {
      return copies.keySet();
    }

    int records() {
      return copies.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Records beyond the first of their id. */
    int duplicates() {
      return records() - copies.size();
    }
  }

  /** How many records the topic holds now (0 while the relay has not created it yet). */
  long size() {
    if (!assigned()) {
      return 0;
    }
    return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Reads until every expected id has arrived, then on to the end of each partition as it is then,
   * so copies sent after the last expected event are counted too.
   *
   * @throws AssertionError naming how many ids are still missing when the time is up
   */
  Delivered readUntilAll(Collection<UUID> expected, Duration timeout) {
    Set<String> missing = new HashSet<>();
    expected.forEach(id -> missing.add(id.toString()));
    await()
        .atMost(timeout)
        .pollInSameThread()
        .pollInterval(Duration.ofMillis(10))
        .untilAsserted(
            () -> {
              poll();
              missing.removeAll(copies.keySet());
              assertThat(missing.size())
                  .as(
                      "events of %s not relayed yet, e.g. %s",
                      topic, missing.stream().limit(3).toList())
                  .isZero();
            });
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    await()
        .atMost(timeout)
        .pollInSameThread()
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              poll();
              return end.entrySet().stream()
                  .allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
            });
    return new Delivered(Map.copyOf(copies));
  }

  private void poll() {
    if (!assigned()) {
      return;
    }
    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
      Header id = record.headers().lastHeader("id");
      String key = id == null ? "(no id)" : new String(id.value(), StandardCharsets.UTF_8);
      copies.merge(key, 1, Integer::sum);
    }
  }

  /** Assigns every partition once the relay has created the topic. */
  private boolean assigned() {
    if (partitions.isEmpty()) {
      List<TopicPartition> found =
          consumer.partitionsFor(topic).stream()
              .map(info -> new TopicPartition(topic, info.partition()))
              .toList();
      if (!found.isEmpty()) {
        consumer.assign(found);
        consumer.seekToBeginning(found);
        partitions = found;
      }
    }
    return !partitions.isEmpty();
  }

  @Override
  public void close() {
    consumer.close();
  }
}
