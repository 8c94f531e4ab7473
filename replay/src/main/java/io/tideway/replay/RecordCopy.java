package io.tideway.replay;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
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
 * and transactions still open when planning, are not copied. They are written in transactions
 * (every {@value #COMMIT_INTERVAL_MILLIS} ms or so), in order per partition, each transaction
 * committing with them how far the copy read, in the copy's own consumer group ({@link
 * CopyPlan#progressGroup}): <b>exactly once</b>. A copy stopped by a failure or killed half way
 * leaves its open transaction uncommitted (aborted when it runs again), and run again it goes on
 * from its last commit; run again once done, it copies only what the source got since, unless
 * planned {@code again}. Readers of the target see each record once with {@code
 * isolation.level=read_committed} (Kafka Streams and the services read so).
 *
 * <p>When the target has as many partitions as the source, each record goes to the partition of the
 * same number; otherwise the producer's partitioner places it by key (records with the same key
 * stay together, records without a key are spread). A target topic with {@code
 * message.timestamp.type=LogAppendTime} replaces the copied timestamps with its own.
 */
public final class RecordCopy implements AutoCloseable {

  private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(1);

  /** How often a copy commits what it wrote, and how far it read. */
  static final long COMMIT_INTERVAL_MILLIS = 100;

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
    return plan(from, to, until, false);
  }

  /**
   * Checks a copy and fixes its offsets, writing nothing: from where an earlier run of the same
   * copy stopped, or, {@code again}, from the start.
   *
   * @throws ReplayException for input that cannot be copied, naming what is wrong
   */
  public CopyPlan plan(SourceSpec from, String to, Optional<LogPosition> until, boolean again) {
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
    String group = progressGroup(from, to, until);
    long alreadyCopied = 0;
    List<PartitionRange> ranges = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer(group)) {
      Map<TopicPartition, Long> copied = again ? Map.of() : progress(consumer, partitions);
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
        long beginning = beginnings.get(partition);
        long end = ends.get(partition);
        Long got = copied.get(partition);
        if (got != null && got > end) {
          throw new ReplayException(
              "This copy got to offset "
                  + got
                  + " of "
                  + partition
                  + ", past its end, offset "
                  + end
                  + ": was "
                  + from.topic()
                  + " deleted and created again? Copy it again with --again");
        }
        // A start retention removed is no matter where an earlier run got past it.
        boolean resumable = got != null && got >= beginning;
        long start = start(partition, from, resumable ? 0 : beginning, end, atTime.get(partition));
        long stop = stop(partition, untilOffset, start, end);
        // Where an earlier run of this copy committed: it goes on from there.
        long resume = resumable ? Math.max(start, Math.min(got, stop)) : start;
        alreadyCopied += resume - Math.max(start, beginning);
        ranges.add(new PartitionRange(partition.partition(), resume, stop));
      }
    }
    return new CopyPlan(
        from.topic(),
        to,
        ranges,
        startTime,
        untilTime,
        sourcePartitions == targetPartitions,
        clients.retention(to),
        group,
        alreadyCopied,
        again);
  }

  /**
   * How far earlier runs of a copy got, by partition: the offsets its group holds once no
   * transaction is still committing them.
   */
  private static Map<TopicPartition, Long> progress(
      KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions) {
    Map<TopicPartition, Long> got = new HashMap<>();
    consumer
        .committed(new HashSet<>(partitions), ReplayClients.TIMEOUT)
        .forEach(
            (partition, offset) -> {
              if (offset != null) {
                got.put(partition, offset.offset());
              }
            });
    return got;
  }

  /**
   * The consumer group, and transactional id, of a copy: the same for the same source, start, bound
   * and target, so that a run again goes on where the last one stopped.
   */
  static String progressGroup(SourceSpec from, String to, Optional<LogPosition> until) {
    String copy = from + " -> " + to + " until " + until.map(Object::toString).orElse("the end");
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(copy.getBytes(StandardCharsets.UTF_8));
      return "tideway-copy-" + to + "-" + HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java has SHA-256", e);
    }
  }

  /**
   * Copies what a plan says, in transactions that commit how far it read with what it wrote.
   *
   * @param progress gets the offsets read and records copied per partition about once a second, and
   *     once more when every copied record is committed
   * @return what was copied
   * @throws IllegalStateException when a record cannot be written, or a transaction not committed:
   *     what the last commit covered is copied, nothing after it; run the same copy again to go on
   */
  public CopySummary copy(CopyPlan plan, Consumer<ReplayProgress> progress) {
    long started = System.nanoTime();
    long sinceMillis = plan.since().map(Instant::toEpochMilli).orElse(Long.MIN_VALUE);
    long untilMillis = plan.until().map(Instant::toEpochMilli).orElse(Long.MAX_VALUE);
    long[] leftOut = {0};
    ReplayProgress last;
    try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer(plan.progressGroup());
        Transactions transactions =
            new Transactions(clients.transactionalProducer(plan.progressGroup()), plan)) {
      RangeReader reader =
          new RangeReader(plan.source(), onwards(plan, consumer), PROGRESS_INTERVAL);
      last =
          reader.read(
              consumer,
              record -> {
                if (record.timestamp() < sinceMillis || record.timestamp() >= untilMillis) {
                  leftOut[0]++;
                  return false;
                }
                transactions.send(
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
              () -> transactions.commitEvery(COMMIT_INTERVAL_MILLIS, consumer),
              progress);
      transactions.commitEvery(0, consumer);
    }
    progress.accept(last);
    return new CopySummary(plan, last, leftOut[0], Duration.ofNanos(System.nanoTime() - started));
  }

  /**
   * The plan's ranges, each from where this copy's progress stands now that its transactions fenced
   * any other run of it: a run still going when this one was planned may have got further.
   */
  private static List<PartitionRange> onwards(
      CopyPlan plan, KafkaConsumer<byte[], byte[]> consumer) {
    if (plan.again()) {
      return plan.ranges();
    }
    List<TopicPartition> partitions =
        plan.ranges().stream().map(r -> new TopicPartition(plan.source(), r.partition())).toList();
    Map<TopicPartition, Long> got = progress(consumer, partitions);
    List<PartitionRange> ranges = new ArrayList<>();
    for (PartitionRange range : plan.ranges()) {
      long at =
          got.getOrDefault(new TopicPartition(plan.source(), range.partition()), range.from());
      ranges.add(
          new PartitionRange(
              range.partition(), Math.max(range.from(), Math.min(at, range.to())), range.to()));
    }
    return ranges;
  }

  /**
   * A copy's transactions: each commits what was sent in it and, in the copy's group, how far the
   * source was read. A failure aborts the open one and names what the last commit covered.
   */
  private static final class Transactions implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final CopyPlan plan;
    private final Map<Integer, Long> ends = new HashMap<>();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private Map<TopicPartition, OffsetAndMetadata> committed = Map.of();
    private long lastCommit = System.nanoTime();
    private boolean open;

    Transactions(KafkaProducer<byte[], byte[]> producer, CopyPlan plan) {
      this.producer = producer;
      this.plan = plan;
      plan.ranges().forEach(range -> ends.put(range.partition(), range.to()));
      try {
        // Aborts what an earlier run of this copy left open, and fences it if it still runs.
        producer.initTransactions();
      } catch (RuntimeException e) {
        producer.close(Duration.ZERO);
        throw e;
      }
    }

    void send(ProducerRecord<byte[], byte[]> record, String origin) {
      throwIfFailed();
      try {
        if (!open) {
          producer.beginTransaction();
          open = true;
        }
        producer.send(
            record,
            (metadata, e) -> {
              if (e != null) {
                failure.compareAndSet(null, stopped("Could not write " + origin, e));
              }
            });
      } catch (KafkaException e) {
        // The producer may fail a send before it calls back with the one that broke it.
        throwIfFailed();
        throw stopped("Could not write " + origin, e);
      }
    }

    /**
     * Commits the open transaction with the consumer's positions, once {@code intervalMillis} have
     * passed since the last commit.
     */
    void commitEvery(long intervalMillis, KafkaConsumer<byte[], byte[]> consumer) {
      throwIfFailed();
      if (System.nanoTime() - lastCommit < intervalMillis * 1_000_000) {
        return;
      }
      Map<TopicPartition, OffsetAndMetadata> read = new HashMap<>();
      for (TopicPartition partition : consumer.assignment()) {
        long position = Math.min(consumer.position(partition), ends.get(partition.partition()));
        read.put(partition, new OffsetAndMetadata(position));
      }
      if (read.equals(committed)) {
        return;
      }
      try {
        if (!open) {
          producer.beginTransaction();
          open = true;
        }
        producer.sendOffsetsToTransaction(read, consumer.groupMetadata());
        producer.commitTransaction();
      } catch (KafkaException e) {
        throwIfFailed();
        throw stopped("Could not commit", e);
      }
      open = false;
      committed = read;
      lastCommit = System.nanoTime();
    }

    private void throwIfFailed() {
      RuntimeException e = failure.get();
      if (e != null) {
        throw e;
      }
    }

    private IllegalStateException stopped(String what, Exception cause) {
      return new IllegalStateException(
          what
              + " to "
              + plan.target()
              + ": "
              + cause
              + ". The copy stopped; what it read up to "
              + (committed.isEmpty() ? "its start" : "offsets " + offsets(committed))
              + " is copied, once; run the same copy again to go on from where it got, copying"
              + " no record twice",
          cause);
    }

    private static String offsets(Map<TopicPartition, OffsetAndMetadata> offsets) {
      StringBuilder text = new StringBuilder();
      offsets.entrySet().stream()
          .sorted(Map.Entry.comparingByKey(Comparator.comparingInt(TopicPartition::partition)))
          .forEach(
              e ->
                  text.append(text.isEmpty() ? "" : ", ")
                      .append(e.getKey())
                      .append("@")
                      .append(e.getValue().offset()));
      return text.toString();
    }

    /** Aborts a transaction still open (a failure on the way), then closes. */
    @Override
    public void close() {
      try {
        if (open) {
          producer.abortTransaction();
        }
      } catch (RuntimeException e) {
        // Fenced, failed or unsure: the broker aborts it when the next run starts, or at its
        // timeout.
      } finally {
        producer.close(ReplayClients.TIMEOUT);
      }
    }
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
