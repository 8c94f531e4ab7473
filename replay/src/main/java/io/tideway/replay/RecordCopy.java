package io.tideway.replay;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Copies a range of records from one topic to another, keeping each record's key, value, headers
 * and timestamp.
 *
 * <pre>{@code
 * try (RecordCopy copy = new RecordCopy(Map.of("bootstrap.servers", "127.0.0.1:9092"))) {
 *   CopyPlan plan = copy.plan(SourceSpec.parse("orders:2@150"), "orders.retry", Optional.empty());
 *   CopySummary done = copy.copy(plan, progress -> System.out.println(progress.written()));
 * }
 * }</pre>
 *
 * <p>{@link #plan} checks everything and fixes the offsets before anything is written: the source
 * and target must exist and differ, a partition must exist, a start time must not be in the future
 * and an upper bound must come after the start. Without an upper bound a copy stops at the end
 * offsets seen when it was planned, so it ends even while producers keep writing.
 *
 * <p>Records are read with {@code isolation.level=read_committed}: records of aborted transactions,
 * and transactions still open when planning, are not copied. They are written by an idempotent
 * producer with {@code acks=all}, in order per partition. When the target has as many partitions as
 * the source, each record goes to the partition of the same number; otherwise the producer's
 * partitioner places it by key (records with the same key stay together, records without a key are
 * spread). A copy is at least once: run again, it copies again; consumers that deduplicate by the
 * {@code id} header see each event once. A target topic with {@code
 * message.timestamp.type=LogAppendTime} replaces the copied timestamps with its own.
 */
public final class RecordCopy implements AutoCloseable {

  private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(1);

  private final ReplayClients clients;

  /**
   * A copy tool on one cluster.
   *
   * @param kafkaSettings Kafka client settings: {@code bootstrap.servers} and whatever else the
   *     cluster needs (security, timeouts); serializers, isolation and acknowledgements are set
   *     here
   */
  public RecordCopy(Map<String, ?> kafkaSettings) {
    this.clients = new ReplayClients(kafkaSettings);
  }

  /**
   * Checks a copy and fixes its offsets, writing nothing.
   *
   * @param from the source topic and where in it to start
   * @param to the target topic
   * @param until an offset to stop before (only with a single source partition), or a time: records
   *     with a timestamp at or after it are not copied; empty to copy up to the end offsets seen
   *     now
   * @throws ReplayException for input that cannot be copied, naming what is wrong
   */
  public CopyPlan plan(SourceSpec from, String to, Optional<LogPosition> until) {
    SourceSpec.checkTopicName(to, "target");
    if (from.topic().equals(to)) {
      throw new ReplayException(
          "Source and target are the same topic, " + to + ": a copy would read its own writes");
    }
    Optional<Instant> startTime = from.start().flatMap(RecordCopy::time);
    Instant now = Instant.now();
    if (startTime.isPresent() && startTime.get().isAfter(now)) {
      throw new ReplayException(
          "The start time " + startTime.get() + " is in the future (now " + now + ")");
    }
    Optional<Long> untilOffset = until.flatMap(RecordCopy::offset);
    Optional<Instant> untilTime = until.flatMap(RecordCopy::time);
    if (untilOffset.isPresent() && from.partition().isEmpty()) {
      throw new ReplayException(
          "An offset to stop at belongs to one partition: copy from "
              + from.topic()
              + ":<partition>[@<offset>], or stop at a time");
    }
    if (untilTime.isPresent()
        && startTime.isPresent()
        && !untilTime.get().isAfter(startTime.get())) {
      throw new ReplayException(
          "The time to stop at, "
              + untilTime.get()
              + ", is not after the start time "
              + startTime.get());
    }
    int sourcePartitions = partitionCount(from.topic(), "source");
    int targetPartitions = partitionCount(to, "target");
    if (from.partition().isPresent() && from.partition().getAsInt() >= sourcePartitions) {
      throw new ReplayException(
          "Topic "
              + from.topic()
              + " has "
              + sourcePartitions
              + " partition(s), 0 to "
              + (sourcePartitions - 1)
              + ": there is no partition "
              + from.partition().getAsInt());
    }
    List<TopicPartition> partitions = new ArrayList<>();
    if (from.partition().isPresent()) {
      partitions.add(new TopicPartition(from.topic(), from.partition().getAsInt()));
    } else {
      for (int p = 0; p < sourcePartitions; p++) {
        partitions.add(new TopicPartition(from.topic(), p));
      }
    }
    List<PartitionRange> ranges = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer()) {
      Map<TopicPartition, Long> beginnings =
          consumer.beginningOffsets(partitions, ReplayClients.TIMEOUT);
      // Under read_committed these are the last stable offsets: open transactions are left out.
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, ReplayClients.TIMEOUT);
      Map<TopicPartition, OffsetAndTimestamp> atTime = Map.of();
      if (startTime.isPresent()) {
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(p -> query.put(p, startTime.get().toEpochMilli()));
        atTime = consumer.offsetsForTimes(query, ReplayClients.TIMEOUT);
      }
      for (TopicPartition partition : partitions) {
        long end = ends.get(partition);
        long start = start(partition, from, beginnings.get(partition), end, atTime.get(partition));
        long stop = stop(partition, untilOffset, start, end);
        ranges.add(new PartitionRange(partition.partition(), start, stop));
      }
    }
    return new CopyPlan(
        from.topic(),
        to,
        ranges,
        startTime,
        untilTime,
        sourcePartitions == targetPartitions,
        clients.retention(to));
  }

  /**
   * Copies what a plan says.
   *
   * @param progress gets the offsets read and records copied per partition about once a second, and
   *     once more when every copied record is acknowledged
   * @return what was copied
   * @throws IllegalStateException when a record cannot be written; records before it were, and some
   *     after it may have been
   */
  public CopySummary copy(CopyPlan plan, Consumer<ReplayProgress> progress) {
    long started = System.nanoTime();
    long sinceMillis = plan.since().map(Instant::toEpochMilli).orElse(Long.MIN_VALUE);
    long untilMillis = plan.until().map(Instant::toEpochMilli).orElse(Long.MAX_VALUE);
    long[] leftOut = {0};
    RangeReader reader = new RangeReader(plan.source(), plan.ranges(), PROGRESS_INTERVAL);
    ReplayProgress last;
    try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer();
        ReplaySends sends = new ReplaySends(clients::producer)) {
      last =
          reader.read(
              consumer,
              record -> {
                if (record.timestamp() < sinceMillis || record.timestamp() >= untilMillis) {
                  leftOut[0]++;
                  return false;
                }
                sends.send(
                    new ProducerRecord<>(
                        plan.target(),
                        plan.keepsPartitions() ? record.partition() : null,
                        // Records from before message timestamps (-1) get the time of the copy.
                        record.timestamp() < 0 ? null : record.timestamp(),
                        record.key(),
                        record.value(),
                        record.headers()),
                    record.topic() + "-" + record.partition() + "@" + record.offset());
                return true;
              },
              sends::checkFailures,
              progress);
      sends.flush();
    }
    progress.accept(last);
    return new CopySummary(plan, last, leftOut[0], Duration.ofNanos(System.nanoTime() - started));
  }

  /** The first offset to copy from a partition. */
  private static long start(
      TopicPartition partition,
      SourceSpec from,
      long beginning,
      long end,
      OffsetAndTimestamp firstAtTime) {
    Optional<LogPosition> position = from.start();
    if (position.isEmpty()) {
      return beginning;
    }
    if (position.get() instanceof LogPosition.Time) {
      // No record at or after the time: nothing to copy from this partition.
      return firstAtTime == null ? end : Math.min(firstAtTime.offset(), end);
    }
    long offset = ((LogPosition.Offset) position.get()).offset();
    if (offset < beginning) {
      throw new ReplayException(
          "Offset "
              + offset
              + " of "
              + partition
              + " is no longer in the log: it starts at offset "
              + beginning);
    }
    if (offset > end) {
      throw new ReplayException(
          "Offset " + offset + " of " + partition + " is past its end, offset " + end);
    }
    return offset;
  }

  /** The offset to stop before in a partition. */
  private static long stop(
      TopicPartition partition, Optional<Long> untilOffset, long start, long end) {
    if (untilOffset.isEmpty()) {
      return end;
    }
    long stop = untilOffset.get();
    if (stop <= start) {
      throw new ReplayException(
          "The offset to stop at, "
              + stop
              + ", is not after the start, offset "
              + start
              + " of "
              + partition);
    }
    if (stop > end) {
      throw new ReplayException(
          "The offset to stop at, "
              + stop
              + ", is past the end of "
              + partition
              + ", offset "
              + end
              + " (a time is written ISO-8601, e.g. 2026-12-01T10:00:00Z, or"
              + " @<epoch milliseconds>)");
    }
    return stop;
  }

  private int partitionCount(String topic, String role) {
    OptionalInt count = clients.partitionCount(topic);
    if (count.isEmpty()) {
      throw new ReplayException("Unknown " + role + " topic: " + topic);
    }
    return count.getAsInt();
  }

  private static Optional<Instant> time(LogPosition position) {
    return position instanceof LogPosition.Time time ? Optional.of(time.time()) : Optional.empty();
  }

  private static Optional<Long> offset(LogPosition position) {
    return position instanceof LogPosition.Offset offset
        ? Optional.of(offset.offset())
        : Optional.empty();
  }

  @Override
  public void close() {
    clients.close();
  }
}
