package io.tideway.topology.dedupe;

import io.tideway.topology.EventHeaders;
import io.tideway.topology.InvalidEventException;
import io.tideway.topology.ProcessingFailures;
import io.tideway.topology.RefusedResults;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
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

  /**
   * Ids a sweep reads at a time, its deletions applied before it goes on. A sweep of a store of a
   * busy topic's week of ids, done at once, would hold the stream thread for minutes and outlast
   * the transaction carrying its deletions; slice by slice it goes on every {@link
   * #SWEEP_SLICE_INTERVAL} of the clock, for up to {@link #SWEEP_BUDGET} each time, until it has
   * read the whole store.
   */
  static final int SWEEP_SLICE = 10_000;

  static final Duration SWEEP_SLICE_INTERVAL = Duration.ofSeconds(1);

  /** How long a sweep goes on each {@link #SWEEP_SLICE_INTERVAL}: a twentieth of the thread. */
  static final Duration SWEEP_BUDGET = Duration.ofMillis(50);

  /**
   * How far ahead of this machine's clock a record's time counts. A record stamped far in the
   * future (a time in microseconds taken for milliseconds) would move the stream time so far that a
   * sweep deleted every id remembered, letting their duplicates through, while the ids seen after
   * it were kept until that future; its time counts as this much ahead of the clock instead.
   */
  static final Duration FUTURE_TOLERANCE = Duration.ofHours(1);

  private static final String SEPARATOR = ",";

  private final String name;
  private final EventIdExtractor<K, V> eventId;
  private final String idSource;
  private final long retentionMs;

  private FixedKeyProcessorContext<K, V> context;

  /**
   * When each id was seen, by bounded stream time; as {@link #partlyDoneAt(long)} for an event that
   * failed in some branch, whose branches that took it whole are in {@link #partlyDone}.
   */
  private KeyValueStore<Bytes, Long> seen;

  /** The branches that took each partly done event whole, joined by {@link #SEPARATOR}. */
  private KeyValueStore<Bytes, String> partlyDone;

  private Sensor duplicates;

  /** The inputs of this task that failed once processed, or null. */
  private RefusedResults.Reader failedAfterProcessing;

  /** Whether a sweep is under way, where it goes on from (null: the store's start), its cutoff. */
  private boolean sweeping;

  private Bytes sweepFrom;
  private long sweepCutoff;

  /** When, in bounded stream time, the next sweep is due. */
  private long nextSweepAt;

  DeduplicateProcessor(
      String name, EventIdExtractor<K, V> eventId, String idSource, Duration retention) {
    this.name = name;
    this.eventId = eventId;
    this.idSource = idSource;
    this.retentionMs = retention.toMillis();
  }

  @Override
  public void init(FixedKeyProcessorContext<K, V> context) {
    this.context = context;
    this.seen = context.getStateStore(Deduplicate.storeName(name));
    this.partlyDone = context.getStateStore(Deduplicate.partlyDoneStoreName(name));
    RefusedResults refusals = RefusedResults.in(context.appConfigs());
    this.failedAfterProcessing =
        refusals == null || !byIdHeader() ? null : refusals.readerFor(context.taskId());
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
    sweeping = false;
    nextSweepAt = Long.MIN_VALUE;
    // Due sweeps start as soon as stream time passes them, and by the clock too: a stream-time
    // punctuation a record stamped far ahead moved past its time would not come again.
    context.schedule(sweepInterval(), PunctuationType.STREAM_TIME, this::sweepIfDue);
    context.schedule(
        SWEEP_SLICE_INTERVAL,
        PunctuationType.WALL_CLOCK_TIME,
        clock -> {
          takeFailedAgain();
          sweepIfDue(context.currentStreamTimeMs());
        });
  }

  private Duration sweepInterval() {
    return Duration.ofMillis(Math.max(1, retentionMs / 7));
  }

  @Override
  public void process(FixedKeyRecord<K, V> record) {
    Bytes id = id(record);
    if (id == null) {
      throw new InvalidEventException(
          name + ": record has no " + idSource, context.recordMetadata().orElse(null));
    }
    takeFailedAgain();
    long at = bounded(record.timestamp());
    Long seenAt = seen.get(id);
    boolean wasPartlyDone = seenAt != null && seenAt < 0;
    boolean seenWithin = seenAt != null && at - seenTime(seenAt) <= retentionMs;
    if (seenWithin && !wasPartlyDone) {
      duplicates.record();
      return;
    }
    Set<String> tookItBefore = seenWithin ? processors(id) : Set.of();
    ProcessingFailures.Outcome outcome =
        ProcessingFailures.forward(id, tookItBefore, () -> context.forward(record));
    // Kept for the retention from when it was seen: a late record (a re-drive keeps its time)
    // stamped by its own time would be swept at the next sweep, its next copy let through.
    long keptFrom = Math.max(at, bounded(context.currentStreamTimeMs()));
    if (!outcome.failed()) {
      seen.put(id, keptFrom);
      if (wasPartlyDone) {
        partlyDone.delete(id);
      }
      return;
    }
    // Failed below: it went to the dead-letter topic, and must be processed when it is re-driven
    // from there, by the branches that did not take it whole only. By the id header only: the
    // runtime notes what fails after the forward by that id, which another id would not match.
    if (!byIdHeader()) {
      return;
    }
    Set<String> tookIt = new TreeSet<>(tookItBefore);
    tookIt.addAll(outcome.tookIt());
    // A processor API name may hold the separator: that branch takes the record again instead.
    tookIt.removeIf(branch -> branch.contains(SEPARATOR));
    seen.put(id, partlyDoneAt(keptFrom));
    partlyDone.put(id, String.join(SEPARATOR, tookIt));
  }

  /**
   * Makes every branch take an event again when it comes back: one remembered as done that failed
   * afterwards (a result the broker refused, a cached update that failed when flushed), which went
   * to the dead-letter topic. Which branch failed is not known. At each record and each second, so
   * that a re-drive finds it so even after a quiet while.
   */
  private void takeFailedAgain() {
    if (failedAfterProcessing != null) {
      failedAfterProcessing.take().forEach(this::takeAgain);
    }
  }

  private void takeAgain(String eventId) {
    Bytes id = Bytes.wrap(eventId.getBytes(StandardCharsets.UTF_8));
    Long seenAt = seen.get(id);
    if (seenAt != null && seenAt >= 0) {
      seen.put(id, partlyDoneAt(seenAt));
    } else if (seenAt != null) {
      partlyDone.delete(id);
    }
  }

  /** How {@link #seen} keeps the time of an event that failed in some branch: below zero. */
  private static long partlyDoneAt(long seenAt) {
    return -seenAt - 1;
  }

  /** The time an entry of {@link #seen} holds, whether the event went through or partly. */
  private static long seenTime(long entry) {
    return entry < 0 ? -(entry + 1) : entry;
  }

  private Set<String> processors(Bytes id) {
    String joined = partlyDone.get(id);
    return joined == null || joined.isEmpty()
        ? Set.of()
        : Set.copyOf(Arrays.asList(joined.split(SEPARATOR)));
  }

  /** Whether the operator reads the event id from the {@code id} header, as the runtime does. */
  private boolean byIdHeader() {
    return (Object) eventId == Deduplicate.ID_HEADER;
  }

  /**
   * The event id as the store keeps it: the {@code id} header's bytes as they are when
   * deduplicating by it (no text decoding per record), else the extractor's id in UTF-8.
   */
  private Bytes id(FixedKeyRecord<K, V> record) {
    if (byIdHeader()) {
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

  /** A time, at most {@link #FUTURE_TOLERANCE} ahead of this machine's clock. */
  private long bounded(long time) {
    return Math.min(time, context.currentSystemTimeMs() + FUTURE_TOLERANCE.toMillis());
  }

  /**
   * Starts deleting the ids first seen before the retention when a sweep is due, and goes on with
   * one under way, for up to {@link #SWEEP_BUDGET}.
   */
  private void sweepIfDue(long streamTime) {
    long now = bounded(streamTime);
    if (!sweeping && now >= nextSweepAt) {
      sweeping = true;
      sweepFrom = null;
      sweepCutoff = now - retentionMs;
      nextSweepAt = now + sweepInterval().toMillis();
    }
    long until = System.nanoTime() + SWEEP_BUDGET.toNanos();
    while (sweeping && System.nanoTime() < until) {
      sweepSlice();
    }
  }

  /** Deletes the expired ids among the next {@link #SWEEP_SLICE} of the store. */
  private void sweepSlice() {
    List<Bytes> expired = new ArrayList<>();
    List<Bytes> partlyDoneExpired = new ArrayList<>(0);
    Bytes last = null;
    int read = 0;
    try (KeyValueIterator<Bytes, Long> slice = seen.range(sweepFrom, null)) {
      while (read < SWEEP_SLICE && slice.hasNext()) {
        KeyValue<Bytes, Long> entry = slice.next();
        read++;
        last = entry.key;
        if (seenTime(entry.value) < sweepCutoff) {
          expired.add(entry.key);
          if (entry.value < 0) {
            partlyDoneExpired.add(entry.key);
          }
        }
      }
      sweeping = slice.hasNext();
    }
    expired.forEach(seen::delete);
    partlyDoneExpired.forEach(partlyDone::delete);
    sweepFrom = last;
  }

  @Override
  public void close() {
    if (failedAfterProcessing != null) {
      failedAfterProcessing.close();
    }
    if (duplicates != null) {
      context.metrics().removeSensor(duplicates);
    }
  }
}
