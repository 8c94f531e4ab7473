package io.tideway.loadtest;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The records completed in one progress interval of one phase, printed the way
 * kafka-producer-perf-test prints its windows, prefixed by the phase.
 *
 * @param phase {@link #WARM_UP} or {@link #MEASURE}
 * @param records records completed in the window
 * @param bytes their value bytes
 * @param elapsedNanos the window's length
 * @param avgMillis mean latency from intended send time
 * @param maxMillis highest latency from intended send time
 */
record ProgressWindow(
    String phase, long records, long bytes, long elapsedNanos, double avgMillis, double maxMillis) {

  static final String WARM_UP = "warm-up";
  static final String MEASURE = "measure";

  static ProgressWindow of(String phase, Histogram micros, long elapsedNanos, int recordSize) {
    long count = micros.getTotalCount();
    return new ProgressWindow(
        phase,
        count,
        count * recordSize,
        elapsedNanos,
        count == 0 ? 0 : micros.getMean() / 1_000.0,
        count == 0 ? 0 : micros.getMaxValue() / 1_000.0);
  }

  /**
   * E.g. {@code [measure] 499851 records sent, 99970.2 records/sec (9.53 MB/sec), 2.1 ms avg
   * latency, 275.0 ms max latency.}
   */
  String line() {
    double seconds = Math.max(elapsedNanos, 1) / 1e9;
    return String.format(
        Locale.ROOT,
        "[%s] %d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max"
            + " latency.",
        phase,
        records,
        records / seconds,
        bytes / seconds / LoadTestResult.BYTES_PER_MB,
        avgMillis,
        maxMillis);
  }
}
