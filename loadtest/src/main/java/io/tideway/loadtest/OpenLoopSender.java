package io.tideway.loadtest;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The run's thread: hands records to a {@link Workload} when the {@link Schedule} makes them due,
 * through warm-up and the measured phase, prints progress, then waits a bounded time for the
 * measured records still in flight.
 */
final class OpenLoopSender {

  private static final long DRAIN_POLL_NANOS = Duration.ofMillis(10).toNanos();
  private static final long MIN_PRINTED_WINDOW_NANOS = Duration.ofSeconds(1).toNanos();

  /**
   * What the sending did, on the {@link Ticker}'s clock.
   *
   * @param startNanos when the schedule started, the warm-up with it
   * @param startWallClock the same moment on the wall clock, to date the run
   * @param measureStartNanos when the measured phase started
   * @param sent measured records sent
   * @param stopped whether a stop request cut the run short
   * @param endNanos when sending and waiting were over
   */
  record Outcome(
      long startNanos,
      Instant startWallClock,
      long measureStartNanos,
      long sent,
      long measuredSendSpanNanos,
      boolean stopped,
      long endNanos) {}

  private final String scenario;
  private final LoadSettings settings;
  private final LatencyRecording recording;
  private final Ticker ticker;
  private final Consumer<String> progress;
  private final Duration drainTimeout;
  private final BooleanSupplier stopRequested;
  private final Supplier<Throwable> failure;
  private final long interval = LoadTest.PROGRESS_INTERVAL.toNanos();
  private long nextProgress;
  private long lastReport;

  OpenLoopSender(
      String scenario,
      LoadSettings settings,
      LatencyRecording recording,
      Ticker ticker,
      Consumer<String> progress,
      Duration drainTimeout,
      BooleanSupplier stopRequested,
      Supplier<Throwable> failure) {
    this.scenario = scenario;
    this.settings = settings;
    this.recording = recording;
    this.ticker = ticker;
    this.progress = progress;
    this.drainTimeout = drainTimeout;
    this.stopRequested = stopRequested;
    this.failure = failure;
  }

  /**
   * Sends until the measured phase is over, then waits for its records to complete for as long as
   * they keep completing, giving up after {@code drainTimeout} without one.
   *
   * @throws LoadTestException when a send throws or the workload reports a failure
   */
  Outcome run(Workload workload) throws LoadTestException {
    long start = ticker.nanoTime();
    Instant startWallClock = Instant.now();
    long measureStart = start + settings.warmup().toNanos();
    long measureEnd =
        settings
            .duration()
            .map(d -> saturatedAdd(measureStart, d.toNanos()))
            .orElse(Long.MAX_VALUE);
    long limit = settings.records().orElse(Long.MAX_VALUE);
    Schedule schedule = Schedule.of(settings.rate(), start, ticker);
    recording.begin(start, measureStart);
    lastReport = start;
    nextProgress = start + interval;

    boolean measuring = false;
    long sent = 0;
    long firstMeasuredDue = 0;
    long lastMeasuredDue = 0;
    sending:
    for (long sequence = 0; !stopRequested.getAsBoolean(); sequence++) {
      long due = schedule.dueNanos(sequence);
      if (due >= measureEnd || sent >= limit) {
        break;
      }
      while (!schedule.awaitDue(due, nextProgress)) {
        reportIfDue(measuring);
        if (stopRequested.getAsBoolean()) {
          break sending;
        }
        checkFailure();
      }
      if (!measuring && due >= measureStart) {
        if (sequence > 0) {
          // Closes the warm-up window, so that measured windows start with the measured phase;
          // silently when a regular window closed just before, as a sliver would only be noise.
          boolean sliver = ticker.nanoTime() - lastReport < MIN_PRINTED_WINDOW_NANOS;
          report(false, !sliver);
        }
        measuring = true;
      }
      // Before the send, so a window ends with the records due before its end.
      reportIfDue(measuring);
      try {
        workload.send(sequence, due);
      } catch (Exception e) {
        throw new LoadTestException(scenario + " could not send: " + e, e);
      }
      if (measuring) {
        if (sent == 0) {
          firstMeasuredDue = due;
        }
        lastMeasuredDue = due;
        sent++;
      }
      checkFailure();
    }

    // Waits while measured records keep completing; gives up after a silence of drainTimeout.
    long seen = recording.measuredCount();
    long drainDeadline = saturatedAdd(ticker.nanoTime(), drainTimeout.toNanos());
    while (!stopRequested.getAsBoolean() && seen < sent) {
      checkFailure();
      long now = ticker.nanoTime();
      long count = recording.measuredCount();
      if (count > seen) {
        seen = count;
        drainDeadline = saturatedAdd(now, drainTimeout.toNanos());
        continue;
      }
      if (now >= drainDeadline) {
        break;
      }
      reportIfDue(true);
      ticker.parkNanos(Math.min(DRAIN_POLL_NANOS, drainDeadline - now));
    }
    report(measuring);
    return new Outcome(
        start,
        startWallClock,
        measureStart,
        sent,
        lastMeasuredDue - firstMeasuredDue,
        stopRequested.getAsBoolean(),
        ticker.nanoTime());
  }

  private void reportIfDue(boolean measuring) {
    if (ticker.nanoTime() >= nextProgress) {
      report(measuring);
    }
  }

  private void report(boolean measuring) {
    report(measuring, true);
  }

  private void report(boolean measuring, boolean print) {
    long now = ticker.nanoTime();
    List<ProgressWindow> windows = recording.takeWindows(now, measuring);
    if (print) {
      windows.forEach(window -> progress.accept(window.line()));
    }
    lastReport = now;
    nextProgress = now + interval;
  }

  private void checkFailure() throws LoadTestException {
    Throwable cause = failure.get();
    if (cause != null) {
      throw new LoadTestException(scenario + " failed: " + cause, cause);
    }
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}
