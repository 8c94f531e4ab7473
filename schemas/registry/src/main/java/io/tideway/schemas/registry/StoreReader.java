package io.tideway.schemas.registry;

import io.tideway.schemas.client.RegistryEvent;
import io.tideway.schemas.client.RegistryState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that reads the store topic from its beginning and applies every committed record
 * to this instance's {@link RegistryState}, and the lock around that state: the reader applies
 * under the write lock, queries run under the read lock.
 *
 * <p>It tracks the offset it has applied up to, so that writers and start-up can wait for "applied
 * up to X". A record it cannot read, or that the state refuses, is logged with its offset and
 * skipped: a damaged record never stops the reader.
 */
final class StoreReader implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(StoreReader.class);
  private static final Duration POLL = Duration.ofMillis(500);
  private static final int MAX_LOGGED_CHARS = 300;

  private final RegistryState state = new RegistryState();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Object progress = new Object();
  private final Consumer<byte[], byte[]> consumer;
  private final TopicPartition partition;
  private final StoreRecords records;
  private final RegistryMetrics metrics;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile boolean polling;
  private boolean started;

  /** Every record before this offset has been applied; guarded by {@link #progress}. */
  private long applied;

  StoreReader(
      Map<String, Object> consumerConfig,
      TopicPartition partition,
      StoreRecords records,
      RegistryMetrics metrics) {
    this.consumer =
        new KafkaConsumer<>(
            consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.partition = partition;
    this.records = records;
    this.metrics = metrics;
    this.thread = new Thread(this::run, "schema-store-reader-" + partition.topic());
    this.thread.setDaemon(true);
  }

  void start() {
    started = true;
    thread.start();
  }

  /** Runs a query against the content under the read lock. */
  <T> T read(Function<RegistryState, T> query) {
    lock.readLock().lock();
    try {
      return query.apply(state);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Waits until every record before {@code offset} has been applied.
   *
   * @return whether it was, before the deadline ({@link System#nanoTime()})
   */
  boolean awaitApplied(long offset, long deadline) throws InterruptedException {
    synchronized (progress) {
      while (applied < offset) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(progress, left);
      }
      return true;
    }
  }

  /** Whether the reader thread runs and its last poll succeeded. */
  boolean healthy() {
    return thread.isAlive() && polling;
  }

  private void run() {
    try {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      while (running) {
        try {
          ConsumerRecords<byte[], byte[]> batch = consumer.poll(POLL);
          if (!batch.isEmpty()) {
            apply(batch);
          }
          // The position also moves past transaction markers and aborted records.
          advanceTo(consumer.position(partition));
          polling = true;
        } catch (WakeupException e) {
          // closing
        } catch (RuntimeException e) {
          // Whatever the cause, the reader keeps trying: without it the instance serves nothing.
          polling = false;
          if (running) {
            log.warn("Reading the store topic {} failed; retrying", partition.topic(), e);
            sleepQuietly();
          }
        }
      }
    } catch (RuntimeException e) {
      log.error("The store reader of {} stopped", partition.topic(), e);
    } finally {
      polling = false;
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(1)));
    }
  }

  private void apply(ConsumerRecords<byte[], byte[]> batch) {
    // Decoding parses schemas: done before taking the lock, so queries wait only for the apply.
    List<Decoded> decoded = new ArrayList<>(batch.count());
    for (ConsumerRecord<byte[], byte[]> record : batch) {
      try {
        decoded.add(new Decoded(record, records.decode(record.key(), record.value())));
      } catch (StoreRecords.UnservedSchemaException e) {
        skip(record, e);
        decoded.add(new Decoded(record, List.of(e.taken())));
      } catch (RuntimeException e) {
        skip(record, e);
      }
    }
    lock.writeLock().lock();
    try {
      for (Decoded d : decoded) {
        try {
          for (RegistryEvent event : d.events()) {
            state.apply(event);
          }
        } catch (RuntimeException e) {
          skip(d.record(), e);
        }
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void skip(ConsumerRecord<byte[], byte[]> record, RuntimeException reason) {
    metrics.skippedRecord();
    log.warn(
        "Skipped the store record at offset {} of {} (key {}): {}",
        record.offset(),
        partition,
        printable(record.key()),
        reason.getMessage());
  }

  private record Decoded(ConsumerRecord<byte[], byte[]> record, List<RegistryEvent> events) {}

  private void advanceTo(long position) {
    synchronized (progress) {
      if (position > applied) {
        applied = position;
        progress.notifyAll();
      }
    }
  }

  private static String printable(byte[] bytes) {
    if (bytes == null) {
      return "null";
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    return text.length() > MAX_LOGGED_CHARS ? text.substring(0, MAX_LOGGED_CHARS) + "…" : text;
  }

  private void sleepQuietly() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  @Override
  public void close() {
    running = false;
    if (!started) {
      consumer.close(CloseOptions.timeout(Duration.ZERO));
      return;
    }
    consumer.wakeup();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
