package io.tideway.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Latencies of completed records, in microseconds, from each record's intended send time. Any
 * client thread may record; one thread, the run's, takes the progress windows and the total.
 *
 * <p>Nothing is kept per record: a completion is a histogram count, so memory stays flat however
 * long the run.
 */
final class LatencyRecording {

  /** Latencies above an hour are recorded as an hour: such a run has failed anyway. */
  static final long HIGHEST_TRACKABLE_MICROS = TimeUnit.HOURS.toMicros(1);

  static final int SIGNIFICANT_DIGITS = 3;

  private final int recordSize;
  private final String unit;
  private final Recorder warmup = new Recorder(HIGHEST_TRACKABLE_MICROS, SIGNIFICANT_DIGITS);
  private final Recorder measured = new Recorder(HIGHEST_TRACKABLE_MICROS, SIGNIFICANT_DIGITS);
  private final LongAdder measuredCount = new LongAdder();
  private final AtomicLong firstMeasuredNanos = new AtomicLong(Long.MAX_VALUE);
  private final AtomicLong lastMeasuredNanos = new AtomicLong(Long.MIN_VALUE);
  private volatile long measureStartNanos = Long.MAX_VALUE;

  // Owned by the run's thread.
  private final Histogram measuredTotal = newHistogram();
  private Histogram warmupInterval;
  private Histogram measuredInterval;
  private long windowStartNanos;

  LatencyRecording(int recordSize) {
    this(recordSize, ProgressWindow.RECORDS);
  }

  /** Progress windows call what completes {@code unit}, e.g. {@code requests}. */
  LatencyRecording(int recordSize, String unit) {
    this.recordSize = recordSize;
    this.unit = unit;
  }

  static Histogram newHistogram() {
    return new Histogram(HIGHEST_TRACKABLE_MICROS, SIGNIFICANT_DIGITS);
  }

  /** Starts the first window at {@code startNanos}; records intended from {@code measureStart}. */
  void begin(long startNanos, long measureStartNanos) {
    this.windowStartNanos = startNanos;
    this.measureStartNanos = measureStartNanos;
  }

  /** One record completed at {@code completedNanos}; safe from any thread. */
  void record(long intendedNanos, long completedNanos) {
    long micros = (completedNanos - intendedNanos) / 1_000;
    micros = Math.max(0, Math.min(micros, HIGHEST_TRACKABLE_MICROS));
    if (intendedNanos >= measureStartNanos) {
      measured.recordValue(micros);
      // Read before written: the bounds rarely move, and a write would contend across threads.
      if (completedNanos < firstMeasuredNanos.get()) {
        firstMeasuredNanos.accumulateAndGet(completedNanos, Math::min);
      }
      if (completedNanos > lastMeasuredNanos.get()) {
        lastMeasuredNanos.accumulateAndGet(completedNanos, Math::max);
      }
      // Counted last: whoever sees the count also sees the value recorded.
      measuredCount.increment();
    } else {
      warmup.recordValue(micros);
    }
  }

  /** Measured records completed so far. */
  long measuredCount() {
    return measuredCount.sum();
  }

  /** When the earliest measured record completed, or {@link Long#MAX_VALUE} before any did. */
  long firstMeasuredNanos() {
    return firstMeasuredNanos.get();
  }

  /** When the latest measured record completed, or {@link Long#MIN_VALUE} before any did. */
  long lastMeasuredNanos() {
    return lastMeasuredNanos.get();
  }

  /**
   * Closes the current progress window at {@code nowNanos}: one window per phase that completed
   * records in it, and always one for the phase the run is in.
   */
  List<ProgressWindow> takeWindows(long nowNanos, boolean measuring) {
    long elapsed = nowNanos - windowStartNanos;
    windowStartNanos = nowNanos;
    warmupInterval = warmup.getIntervalHistogram(warmupInterval);
    measuredInterval = measured.getIntervalHistogram(measuredInterval);
    measuredTotal.add(measuredInterval);
    List<ProgressWindow> windows = new ArrayList<>(2);
    if (warmupInterval.getTotalCount() > 0 || !measuring) {
      windows.add(
          ProgressWindow.of(ProgressWindow.WARM_UP, warmupInterval, elapsed, recordSize, unit));
    }
    if (measuredInterval.getTotalCount() > 0 || measuring) {
      windows.add(
          ProgressWindow.of(ProgressWindow.MEASURE, measuredInterval, elapsed, recordSize, unit));
    }
    return windows;
  }

  /** Every measured latency taken into windows so far; take the last window first. */
  Histogram measuredTotal() {
    return measuredTotal.copy();
  }
}
