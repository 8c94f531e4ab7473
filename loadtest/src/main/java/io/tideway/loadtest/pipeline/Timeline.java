package io.tideway.loadtest.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A run's completions second by second, warm-up included: how many completed in each second and
 * their latency percentiles, for the report's charts. Any thread may record; a sampler of its own
 * closes each second.
 */
final class Timeline implements AutoCloseable {

  /** One second of a run. */
  record Point(int second, long completed, double p50, double p99, double max) {}

  private static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(10);

  private final Recorder recorder = new Recorder(HIGHEST_MICROS, 3);
  private final List<Point> points = new ArrayList<>();
  private final ScheduledExecutorService sampler =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread thread = new Thread(task, "timeline");
            thread.setDaemon(true);
            return thread;
          });
  private Histogram interval;

  /** Starts the first second now: call it once the run is ready to send. */
  void start() {
    sampler.scheduleAtFixedRate(this::sample, 1, 1, TimeUnit.SECONDS);
  }

  /** One completion with this latency. */
  void record(long latencyMicros) {
    recorder.recordValue(Math.max(0, Math.min(latencyMicros, HIGHEST_MICROS)));
  }

  private synchronized void sample() {
    interval = recorder.getIntervalHistogram(interval);
    long count = interval.getTotalCount();
    points.add(
        new Point(
            points.size() + 1,
            count,
            count == 0 ? 0 : interval.getValueAtPercentile(50) / 1_000.0,
            count == 0 ? 0 : interval.getValueAtPercentile(99) / 1_000.0,
            count == 0 ? 0 : interval.getMaxValue() / 1_000.0));
  }

  /** The seconds closed so far. */
  synchronized List<Point> points() {
    return List.copyOf(points);
  }

  @Override
  public void close() {
    sampler.shutdownNow();
  }
}
