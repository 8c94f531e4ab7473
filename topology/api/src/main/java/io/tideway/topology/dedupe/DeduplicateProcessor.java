package io.tideway.topology.dedupe;

import io.tideway.topology.EventHeaders;
import io.tideway.topology.InvalidEventException;
import io.tideway.topology.ProcessingFailures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/** Forwards a record only when its event id is not in the store within the retention. */
final class DeduplicateProcessor<K, V> implements FixedKeyProcessor<K, V, V> {

  /** Metric group scope: {@code stream-tideway-dedupe-metrics}. */
  static final String METRIC_SCOPE = "tideway-dedupe";

  /** Metric operation: {@code duplicates-dropped-rate} and {@code duplicates-dropped-total}. */
  static final String DUPLICATES_DROPPED = "duplicates-dropped";

  /** Deletions gathered before the sweep's iterator is closed and they are applied. */
  private static final int SWEEP_BATCH = 10_000;

  private final String name;
  private final String storeName;
  private final EventIdExtractor<K, V> eventId;
  private final String idSource;
  private final long retentionMs;

  private FixedKeyProcessorContext<K, V> context;
  private KeyValueStore<Bytes, Long> seen;
  private Sensor duplicates;

  DeduplicateProcessor(
      String name,
      String storeName,
      EventIdExtractor<K, V> eventId,
      String idSource,
      Duration retention) {
    this.name = name;
    this.storeName = storeName;
    this.eventId = eventId;
    this.idSource = idSource;
    this.retentionMs = retention.toMillis();
  }

  @Override
  public void init(FixedKeyProcessorContext<K, V> context) {
    this.context = context;
    this.seen = context.getStateStore(storeName);
    // One sensor per task: Streams names sensors by thread and entity, so tasks of one thread
    // would otherwise share one, and a task closing would remove it from the others.
    this.duplicates =
        context
            .metrics()
            .addRateTotalSensor(
                METRIC_SCOPE,
                name + "." + context.taskId(),
                DUPLICATES_DROPPED,
                Sensor.RecordingLevel.INFO);
    context.schedule(
        Duration.ofMillis(Math.max(1, retentionMs / 7)), PunctuationType.STREAM_TIME, this::sweep);
  }

  @Override
  public void process(FixedKeyRecord<K, V> record) {
    Bytes id = id(record);
    if (id == null) {
      throw new InvalidEventException(
          name + ": record has no " + idSource, context.recordMetadata().orElse(null));
    }
    Long firstSeen = seen.get(id);
    if (firstSeen != null && record.timestamp() - firstSeen <= retentionMs) {
      duplicates.record();
      return;
    }
    // Remembered only once it went through: a record that failed below goes to the dead-letter
    // topic, and must be processed when it is re-driven from there.
    if (!ProcessingFailures.failedDuring(() -> context.forward(record))) {
      // Kept for the retention from when it was seen: a late record (a re-drive keeps its time)
      // stamped by its own time would be swept at the next sweep, its next copy let through.
      seen.put(id, Math.max(record.timestamp(), context.currentStreamTimeMs()));
    }
  }

  /**
   * The event id as the store keeps it: the {@code id} header's bytes as they are when
   * deduplicating by it (no text decoding per record), else the extractor's id in UTF-8.
   */
  private Bytes id(FixedKeyRecord<K, V> record) {
    if ((Object) eventId == Deduplicate.ID_HEADER) {
      Header header = record.headers().lastHeader(EventHeaders.ID);
      return header == null || header.value() == null || blank(header.value())
          ? null
          : Bytes.wrap(header.value());
    }
    String id = eventId.eventId(record.key(), record.value(), record.headers());
    return id == null || id.isBlank() ? null : Bytes.wrap(id.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Whether an id is empty or white space only: no id, which would otherwise be one all such
   * records share, every one after the first dropped as its duplicate.
   */
  private static boolean blank(byte[] id) {
    for (byte b : id) {
      if (!Character.isWhitespace(b)) {
        return false;
      }
    }
    return true;
  }

  /** Deletes the ids first seen before the retention, in batches so no iterator stays open long. */
  private void sweep(long streamTime) {
    long cutoff = streamTime - retentionMs;
    Bytes from = null;
    while (true) {
      List<Bytes> expired = new ArrayList<>();
      Bytes last = null;
      try (KeyValueIterator<Bytes, Long> all = seen.range(from, null)) {
        while (all.hasNext() && expired.size() < SWEEP_BATCH) {
          KeyValue<Bytes, Long> entry = all.next();
          last = entry.key;
          if (entry.value < cutoff) {
            expired.add(entry.key);
          }
        }
        if (!all.hasNext()) {
          last = null;
        }
      }
      expired.forEach(seen::delete);
      if (last == null) {
        return;
      }
      from = last;
    }
  }

  @Override
  public void close() {
    if (duplicates != null) {
      context.metrics().removeSensor(duplicates);
    }
  }
}
