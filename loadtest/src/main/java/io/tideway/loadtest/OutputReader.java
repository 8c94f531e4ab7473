package io.tideway.loadtest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a scenario's output topic on a thread of its own and completes each record it reads, by the
 * intended send time in its {@link RecordStamp}: the end of an end-to-end measurement. It reads
 * every partition from the beginning without a consumer group, so it needs no clean-up on the
 * broker.
 */
public final class OutputReader implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(OutputReader.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final RunContext context;
  private final Consumer<byte[], byte[]> consumer;
  private final Thread thread;
  private volatile boolean reading = true;

  /** The sequence numbers read, on the reading thread. */
  private final BitSet seen = new BitSet();

  private long duplicates;

  private OutputReader(RunContext context, Consumer<byte[], byte[]> consumer, String topic) {
    this.context = context;
    this.consumer = consumer;
    this.thread = new Thread(this::read, "loadtest-reader-" + topic);
    this.thread.setDaemon(true);
  }

  /**
   * Starts reading {@code topic}, which has the run's partition count, once the positions to read
   * from are known, so that the first records are not read late by the lookup.
   *
   * @param isolation {@link IsolationLevel#READ_COMMITTED} when the topic is written in
   *     transactions and only committed records count
   */
  public static OutputReader start(RunContext context, String topic, IsolationLevel isolation) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, context.bootstrapServers());
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, context.name("reader"));
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
    Consumer<byte[], byte[]> consumer = new KafkaConsumer<>(props);
    try {
      List<TopicPartition> partitions = new ArrayList<>();
      for (int p = 0; p < context.settings().topicPartitions(); p++) {
        partitions.add(new TopicPartition(topic, p));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      partitions.forEach(consumer::position);
    } catch (RuntimeException e) {
      consumer.close(CloseOptions.timeout(Duration.ZERO));
      throw e;
    }
    OutputReader reader = new OutputReader(context, consumer, topic);
    reader.thread.start();
    return reader;
  }

  private void read() {
    try {
      while (reading) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL_TIMEOUT);
        // One reading time for the batch: the records became readable together.
        long now = context.nanoTime();
        for (ConsumerRecord<byte[], byte[]> record : records) {
          // Each record completes once: a copy (written again under at-least-once) would count
          // for one still missing, and end the run before it came.
          long sequence = RecordStamp.sequence(record.value());
          if (sequence >= 0 && sequence <= Integer.MAX_VALUE) {
            if (seen.get((int) sequence)) {
              duplicates++;
              continue;
            }
            seen.set((int) sequence);
          }
          context.completed(RecordStamp.intendedNanos(record.value()), now);
        }
      }
    } catch (WakeupException e) {
      if (reading) {
        context.fail(e);
      }
    } catch (RuntimeException e) {
      context.fail(e);
    } finally {
      consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
      if (duplicates > 0) {
        log.warn("Read {} copies of records read before; each record counted once", duplicates);
      }
    }
  }

  /** Stops reading and closes the consumer, waiting for the reading thread a bounded time. */
  @Override
  public void close() {
    reading = false;
    consumer.wakeup();
    try {
      thread.join(CLOSE_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
