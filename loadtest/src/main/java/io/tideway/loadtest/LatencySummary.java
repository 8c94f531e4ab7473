package io.tideway.loadtest;

import org.HdrHistogram.Histogram;

/**
 * Latency figures of a run in milliseconds, from each record's intended send time to its
 * completion.
 *
 * @param avg the mean
 * @param max the highest
 * @param p50 the median
 * @param p95 the 95th percentile
 * @param p99 the 99th percentile
 * @param p999 the 99.9th percentile
 */
public record LatencySummary(
    double avg, double max, double p50, double p95, double p99, double p999) {

  /** The figures of a histogram of microseconds; all zero when it is empty. */
  public static LatencySummary of(Histogram micros) {
    if (micros.getTotalCount() == 0) {
      return new LatencySummary(0, 0, 0, 0, 0, 0);
    }
    return new LatencySummary(
        micros.getMean() / 1_000.0,
        micros.getMaxValue() / 1_000.0,
        micros.getValueAtPercentile(50) / 1_000.0,
        micros.getValueAtPercentile(95) / 1_000.0,
        micros.getValueAtPercentile(99) / 1_000.0,
        micros.getValueAtPercentile(99.9) / 1_000.0);
  }
}
