package io.tideway.loadtest;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The records completed in one progress interval of one phase, printed the way
 * kafka-producer-perf-test prints its windows, prefixed by the phase; records may be called
 * otherwise, e.g. requests.
 *
 * @param phase {@link #WARM_UP} or {@link #MEASURE}
 * @param records records completed in the window
 * @param bytes their value bytes
 * @param elapsedNanos the window's length
 * @param avgMillis mean latency from intended send time
 * @param maxMillis highest latency from intended send time
 * @param unit what the records are called, e.g. {@code records} or {@code requests}
 */
record ProgressWindow(
    String phase,
    long records,
    long bytes,
    long elapsedNanos,
    double avgMillis,
    double maxMillis,
    String unit) {

  static final String WARM_UP = "warm-up";
  static final String MEASURE = "measure";

  /** The unit unless a scenario names another. */
  static final String RECORDS = "records";

  /** A window of records. */
  ProgressWindow(
      String phase,
      long records,
      long bytes,
      long elapsedNanos,
      double avgMillis,
      double maxMillis) {
    this(phase, records, bytes, elapsedNanos, avgMillis, maxMillis, RECORDS);
  }

  static ProgressWindow of(String phase, Histogram micros, long elapsedNanos, int recordSize) {
    return of(phase, micros, elapsedNanos, recordSize, RECORDS);
  }

  static ProgressWindow of(
      String phase, Histogram micros, long elapsedNanos, int recordSize, String unit) {
    long count = micros.getTotalCount();
    return new ProgressWindow(
        phase,
        count,
        count * recordSize,
        elapsedNanos,
        count == 0 ? 0 : micros.getMean() / 1_000.0,
        count == 0 ? 0 : micros.getMaxValue() / 1_000.0,
        unit);
  }

  /**
   * E.g. {@code [measure] 499851 records sent, 99970.2 records/sec (9.53 MB/sec), 2.1 ms avg
   * latency, 275.0 ms max latency.}
   */
  String line() {
    double seconds = Math.max(elapsedNanos, 1) / 1e9;
    return String.format(
        Locale.ROOT,
        "[%s] %d %s sent, %.1f %s/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.",
        phase,
        records,
        unit,
        records / seconds,
        unit,
        bytes / seconds / LoadTestResult.BYTES_PER_MB,
        avgMillis,
        maxMillis);
  }
}
