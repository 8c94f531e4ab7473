package io.tideway.loadtest;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The shape of the load every scenario runs under: how fast records are due, how long the run is
 * measured, and what the records and topics look like.
 *
 * <p>The measured phase ends when {@code records} measured records have been sent or {@code
 * duration} has passed, whichever comes first; at least one of the two must be given. Records sent
 * during the warm-up before it are not measured.
 *
 * @param rate records per second the schedule makes due, or {@link #UNTHROTTLED} to send as fast as
 *     possible
 * @param duration how long the measured phase lasts, if bounded by time
 * @param records how many records the measured phase sends, if bounded by count
 * @param recordSize bytes in each record's value
 * @param warmup how long records are sent, unmeasured, before the measured phase; may be zero
 * @param topicPartitions partitions of each topic the run creates
 */
public record LoadSettings(
    long rate,
    Optional<Duration> duration,
    OptionalLong records,
    int recordSize,
    Duration warmup,
    int topicPartitions) {

  /** The rate that sends as fast as possible, as kafka-producer-perf-test's throughput -1. */
  public static final long UNTHROTTLED = -1;

  /** Bytes per record when not told otherwise. */
  public static final int DEFAULT_RECORD_SIZE = 100;

  /** Warm-up when not told otherwise. */
  public static final Duration DEFAULT_WARMUP = Duration.ofSeconds(5);

  /** Partitions per topic when not told otherwise. */
  public static final int DEFAULT_TOPIC_PARTITIONS = 3;

  /**
   * @throws IllegalArgumentException naming the setting that cannot work, by its option name
   */
  public LoadSettings {
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(records, "records");
    Objects.requireNonNull(warmup, "warmup");
    if (rate != UNTHROTTLED && rate <= 0) {
      throw new IllegalArgumentException(
          "--rate must be a positive number of records per second, or -1 for as fast as"
              + " possible (was "
              + rate
              + ")");
    }
    if (duration.isEmpty() && records.isEmpty()) {
      throw new IllegalArgumentException(
          "The run has no end: give --records, --duration or both (the run stops at whichever"
              + " comes first)");
    }
    if (duration.isPresent() && (duration.get().isNegative() || duration.get().isZero())) {
      throw new IllegalArgumentException(
          "--duration must be positive (was " + DurationText.format(duration.get()) + ")");
    }
    if (records.isPresent() && records.getAsLong() <= 0) {
      throw new IllegalArgumentException(
          "--records must be positive (was " + records.getAsLong() + ")");
    }
    if (recordSize <= 0) {
      throw new IllegalArgumentException(
          "--record-size must be a positive number of bytes (was " + recordSize + ")");
    }
    if (warmup.isNegative()) {
      throw new IllegalArgumentException(
          "--warmup must not be negative (was " + DurationText.format(warmup) + ")");
    }
    if (topicPartitions <= 0) {
      throw new IllegalArgumentException(
          "--topic-partitions must be positive (was " + topicPartitions + ")");
    }
  }

  /** A run of {@code records} records at full speed, otherwise with the defaults. */
  public static LoadSettings ofRecords(long records) {
    return new LoadSettings(
        UNTHROTTLED,
        Optional.empty(),
        OptionalLong.of(records),
        DEFAULT_RECORD_SIZE,
        DEFAULT_WARMUP,
        DEFAULT_TOPIC_PARTITIONS);
  }

  /** These settings with another rate. */
  public LoadSettings withRate(long rate) {
    return new LoadSettings(rate, duration, records, recordSize, warmup, topicPartitions);
  }

  /** These settings with the measured phase also bounded by time. */
  public LoadSettings withDuration(Duration duration) {
    return new LoadSettings(
        rate, Optional.of(duration), records, recordSize, warmup, topicPartitions);
  }

  /** These settings with another warm-up. */
  public LoadSettings withWarmup(Duration warmup) {
    return new LoadSettings(rate, duration, records, recordSize, warmup, topicPartitions);
  }

  /** Whether records are sent as fast as possible rather than on a schedule. */
  public boolean unthrottled() {
    return rate == UNTHROTTLED;
  }

  /** These settings by option name, as the report shows them; absent bounds are null. */
  Map<String, Object> asMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("rate", rate);
    map.put("duration", duration.map(DurationText::format).orElse(null));
    map.put("records", records.isPresent() ? records.getAsLong() : null);
    map.put("recordSize", recordSize);
    map.put("warmup", DurationText.format(warmup));
    map.put("topicPartitions", topicPartitions);
    return map;
  }

  /** One line for people: what the run will do. */
  String describe() {
    return describe(ProgressWindow.RECORDS);
  }

  /** One line for people: what the run will do, calling its records {@code unit}. */
  String describe(String unit) {
    StringBuilder line = new StringBuilder();
    records.ifPresent(n -> line.append(n).append(' ').append(unit));
    duration.ifPresent(
        d -> line.append(line.length() > 0 ? " or " : "").append(DurationText.format(d)));
    line.append(unthrottled() ? ", as fast as possible" : ", " + rate + " " + unit + "/s");
    line.append(", ").append(recordSize).append(" bytes each");
    line.append(", ").append(DurationText.format(warmup)).append(" warm-up");
    return line.toString();
  }
}
