package io.tideway.replay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads ranges of a topic's partitions to their ends, handing each record in range to a handler and
 * reporting progress at most once per interval.
 */
final class RangeReader {

  /** What a tool does with one record; returns whether it wrote (or would write) it. */
  @FunctionalInterface
  interface RecordHandler {
    boolean handle(ConsumerRecord<byte[], byte[]> record);
  }

  private static final Duration POLL = Duration.ofMillis(200);

  /**
   * How long a read may go without any partition's position moving before it fails: far longer than
   * a broker takes to restart or a leader to move, so only a cluster gone for good ends a read.
   */
  static final Duration STALL_TIMEOUT = Duration.ofMinutes(2);

  private final String topic;
  private final Duration progressInterval;
  private final Duration stallTimeout;
  private final Map<TopicPartition, Tally> tallies = new LinkedHashMap<>();

  RangeReader(String topic, List<PartitionRange> ranges, Duration progressInterval) {
    this(topic, ranges, progressInterval, STALL_TIMEOUT);
  }

  RangeReader(
      String topic, List<PartitionRange> ranges, Duration progressInterval, Duration stallTimeout) {
    this.topic = topic;
    this.progressInterval = progressInterval;
    this.stallTimeout = stallTimeout;
    for (PartitionRange range : ranges) {
      tallies.put(new TopicPartition(topic, range.partition()), new Tally(range));
    }
  }

  /**
   * Reads every range to its end.
   *
   * @param afterPoll runs after each batch, e.g. to fail on an earlier send's error
   * @param progress gets the progress while reading; the caller reports the last one, after its
   *     sends are acknowledged
   * @return the progress at the end
   * @throws IllegalStateException when the offsets left the log while being read, or when no
   *     position moved for {@link #STALL_TIMEOUT}
   */
  ReplayProgress read(
      KafkaConsumer<byte[], byte[]> consumer,
      RecordHandler handler,
      Runnable afterPoll,
      Consumer<ReplayProgress> progress) {
    List<TopicPartition> open = new ArrayList<>();
    tallies.forEach(
        (partition, tally) -> {
          if (tally.range.count() > 0) {
            open.add(partition);
          }
        });
    consumer.assign(open);
    for (TopicPartition partition : open) {
      consumer.seek(partition, tallies.get(partition).range.from());
    }
    long lastReport = System.nanoTime();
    long lastMove = System.nanoTime();
    while (!open.isEmpty()) {
      ConsumerRecords<byte[], byte[]> records;
      try {
        records = consumer.poll(POLL);
      } catch (OffsetOutOfRangeException e) {
        throw new IllegalStateException(
            "Offsets "
                + e.offsetOutOfRangePartitions()
                + " left the log (retention or deletion) while being read; records read before"
                + " them were handled",
            e);
      }
      for (TopicPartition partition : records.partitions()) {
        Tally tally = tallies.get(partition);
        for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
          // A fetch may return records past the end captured at the start: those are not ours.
          if (record.offset() < tally.range.to() && handler.handle(record)) {
            tally.written++;
          }
        }
      }
      afterPoll.run();
      for (var it = open.iterator(); it.hasNext(); ) {
        TopicPartition partition = it.next();
        Tally tally = tallies.get(partition);
        // The position, not the last record, because transaction markers and aborted records
        // take offsets that no record returned here carries.
        long position = Math.min(consumer.position(partition), tally.range.to());
        if (position != tally.position) {
          tally.position = position;
          lastMove = System.nanoTime();
        }
        if (tally.position >= tally.range.to()) {
          consumer.pause(List.of(partition));
          it.remove();
        }
      }
      if (!open.isEmpty() && System.nanoTime() - lastMove >= stallTimeout.toNanos()) {
        throw new IllegalStateException(stalled(open));
      }
      if (System.nanoTime() - lastReport >= progressInterval.toNanos() && !open.isEmpty()) {
        progress.accept(snapshot(false));
        lastReport = System.nanoTime();
      }
    }
    return snapshot(true);
  }

  private String stalled(List<TopicPartition> open) {
    StringBuilder where = new StringBuilder();
    for (TopicPartition partition : open) {
      Tally tally = tallies.get(partition);
      where
          .append(where.isEmpty() ? "" : ", ")
          .append(partition)
          .append(" at offset ")
          .append(tally.position)
          .append(" of ")
          .append(tally.range.to());
    }
    return "Reading "
        + topic
        + " made no progress for "
        + stallTimeout.toSeconds()
        + " s ("
        + where
        + "): is the cluster reachable? Records read before were handled";
  }

  private ReplayProgress snapshot(boolean finished) {
    List<PartitionProgress> partitions = new ArrayList<>();
    for (Tally tally : tallies.values()) {
      partitions.add(
          new PartitionProgress(tally.range, tally.position - tally.range.from(), tally.written));
    }
    return new ReplayProgress(topic, partitions, finished);
  }

  private static final class Tally {
    final PartitionRange range;
    long position;
    long written;

    Tally(PartitionRange range) {
      this.range = range;
      this.position = range.from();
    }
  }
}
