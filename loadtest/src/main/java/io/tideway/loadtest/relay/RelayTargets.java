package io.tideway.loadtest.relay;

import java.util.ArrayList;
import java.util.List;

/** The relay's targets, and one line each saying whether a run met it. */
public final class RelayTargets {

  /** Relay throughput over the bare engine's, at least. */
  public static final double RATIO = 0.85;

  /** At this commit rate, the latency targets apply. */
  public static final int LATENCY_RATE = 1_000;

  public static final double P50_MS = 20;
  public static final double P99_MS = 100;

  /** Transactions per second, one event each, the relay must keep up with. */
  public static final int SUSTAINED_RATE = 4_000;

  /** How close to the schedule "kept up" means: writers and relay both. */
  static final double KEPT_UP = 0.98;

  private RelayTargets() {}

  /** A verdict line per target the report has figures for. */
  public static List<String> lines(RelayBenchmark.Report report) {
    List<String> lines = new ArrayList<>();
    if (!Double.isNaN(report.ratio())) {
      lines.add(
          String.format(
              "relay / bare engine throughput %.2f (target >= %.2f): %s",
              report.ratio(), RATIO, report.ratio() >= RATIO ? "PASS" : "MISS"));
    }
    for (RelayBenchmark.Phase phase : report.phases()) {
      if (phase.rate() == LATENCY_RATE && phase.batch() == 1) {
        // Latency runs from each commit: writers behind their schedule committed at a lower rate,
        // and their delay shows in no figure, so such a run meets no target set for this rate.
        boolean written = phase.committedTransactionsPerSecond() >= KEPT_UP * LATENCY_RATE;
        boolean met = written && phase.p50Ms() <= P50_MS && phase.p99Ms() <= P99_MS;
        lines.add(
            String.format(
                "at %,d events/s commit->Kafka p50 %.1f ms (<= %.0f), p99 %.1f ms (<= %.0f): %s",
                LATENCY_RATE,
                phase.p50Ms(),
                P50_MS,
                phase.p99Ms(),
                P99_MS,
                met
                    ? "PASS"
                    : written
                        ? "MISS"
                        : String.format(
                            "MISS (writers committed %,.0f tx/s)",
                            phase.committedTransactionsPerSecond())));
      }
      if (phase.rate() >= SUSTAINED_RATE && phase.batch() == 1) {
        boolean kept =
            phase.committedTransactionsPerSecond() >= KEPT_UP * SUSTAINED_RATE
                && phase.receivedEventsPerSecond() >= KEPT_UP * SUSTAINED_RATE;
        lines.add(
            String.format(
                "sustained: committed %,.0f tx/s, relayed %,.0f events/s (target >= %,d): %s",
                phase.committedTransactionsPerSecond(),
                phase.receivedEventsPerSecond(),
                SUSTAINED_RATE,
                kept ? "PASS" : "MISS"));
      }
    }
    return lines;
  }
}
