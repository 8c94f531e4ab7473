package io.tideway.loadtest;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * One run of a {@link Scenario} under {@link LoadSettings}: sends records on an open-loop schedule,
 * measures each one's latency from its intended send time (so a stall delays the records behind it
 * in the measurement too, and coordinated omission is corrected), prints progress every five
 * seconds, and returns what the measured phase measured.
 *
 * <pre>{@code
 * LoadTestResult result =
 *     new LoadTest(new ProduceScenario(Map.of()), "127.0.0.1:9092",
 *             LoadSettings.ofRecords(100_000), System.out::println)
 *         .run();
 * System.out.println(result.summaryLine());
 * }</pre>
 */
public final class LoadTest {

  /** How long the broker has to answer before the run gives up. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

  /**
   * How long, after the last send, the run keeps waiting for measured records while none of them
   * completes; each completion starts the wait anew.
   */
  public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(60);

  static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(5);

  private final Scenario scenario;
  private final String bootstrapServers;
  private final LoadSettings settings;
  private final Consumer<String> progress;
  private final Ticker ticker = Ticker.SYSTEM;
  private Duration connectTimeout = CONNECT_TIMEOUT;
  private volatile boolean stopRequested;

  /**
   * @param scenario what to run
   * @param bootstrapServers the broker, {@code host:port}; null for a scenario that does not use
   *     Kafka
   * @param settings the load's shape
   * @param progress takes each progress line as the run goes, on the run's thread
   * @throws IllegalArgumentException when the scenario cannot run with these settings
   */
  public LoadTest(
      Scenario scenario,
      String bootstrapServers,
      LoadSettings settings,
      Consumer<String> progress) {
    this.scenario = Objects.requireNonNull(scenario, "scenario");
    this.bootstrapServers =
        scenario.usesKafka()
            ? Objects.requireNonNull(bootstrapServers, "bootstrapServers")
            : bootstrapServers;
    this.settings = Objects.requireNonNull(settings, "settings");
    this.progress = Objects.requireNonNull(progress, "progress");
    scenario.check(settings);
  }

  /**
   * A run of a scenario that does not use Kafka ({@link Scenario#usesKafka()} false).
   *
   * @throws IllegalArgumentException when the scenario cannot run with these settings
   */
  public LoadTest(Scenario scenario, LoadSettings settings, Consumer<String> progress) {
    this(scenario, null, settings, progress);
  }

  LoadTest connectTimeout(Duration timeout) {
    this.connectTimeout = timeout;
    return this;
  }

  /**
   * Asks a running run to stop sending and clean up; {@link #run()} then returns what it measured
   * so far. Safe from any thread, e.g. a shutdown hook. Interrupting the run's thread does the
   * same.
   */
  public void stop() {
    stopRequested = true;
  }

  /**
   * Runs the scenario; blocks until the measured phase is over and everything the run created is
   * removed.
   *
   * @throws LoadTestException when the broker cannot be reached or the scenario fails
   */
  public LoadTestResult run() throws LoadTestException, InterruptedException {
    boolean kafka = scenario.usesKafka();
    progress.accept(
        "["
            + scenario.name()
            + "] "
            + settings.describe(scenario.unit())
            + ", against "
            + (kafka ? "Kafka at " + bootstrapServers : scenario.target()));
    LatencyRecording recording = new LatencyRecording(settings.recordSize(), scenario.unit());
    RunContext context =
        kafka
            ? RunContext.open(
                scenario.name(), bootstrapServers, settings, connectTimeout, recording, ticker)
            : RunContext.withoutKafka(scenario.name(), settings, recording, ticker);
    try {
      Workload workload = start(context);
      LoadTestResult result;
      try {
        result = drive(workload, context, recording);
      } catch (Throwable failure) {
        try {
          workload.close();
        } catch (Exception e) {
          failure.addSuppressed(e);
        }
        throw failure;
      }
      close(workload);
      return result;
    } finally {
      context.close();
    }
  }

  private Workload start(RunContext context) throws LoadTestException, InterruptedException {
    try {
      return scenario.start(context);
    } catch (LoadTestException | InterruptedException e) {
      throw e;
    } catch (Exception e) {
      throw new LoadTestException(scenario.name() + " did not start: " + e, e);
    }
  }

  private void close(Workload workload) throws LoadTestException {
    try {
      workload.close();
    } catch (Exception e) {
      throw new LoadTestException(scenario.name() + " did not stop cleanly: " + e, e);
    }
  }

  private LoadTestResult drive(Workload workload, RunContext context, LatencyRecording recording)
      throws LoadTestException {
    OpenLoopSender sender =
        new OpenLoopSender(
            scenario.name(),
            settings,
            recording,
            ticker,
            progress,
            DRAIN_TIMEOUT,
            // An interrupted thread cannot park, so interruption stops the run like a request.
            () -> stopRequested || Thread.currentThread().isInterrupted(),
            context::failure);
    OpenLoopSender.Outcome outcome = sender.run(workload);
    Histogram latencies = recording.measuredTotal();
    Instant wallStart = outcome.startWallClock();
    long start = outcome.startNanos();
    boolean measured = latencies.getTotalCount() > 0;
    long measuredUntil = measured ? recording.lastMeasuredNanos() : outcome.measureStartNanos();
    // Never a shorter span than the records were sent over: a backlog draining during the run
    // (latency falling) would otherwise lift the rate above the one offered.
    long measuredFrom =
        measured
            ? Math.min(
                recording.firstMeasuredNanos(), measuredUntil - outcome.measuredSendSpanNanos())
            : measuredUntil;
    return new LoadTestResult(
        scenario.name(),
        scenario.unit(),
        context.runId(),
        reportSettings(),
        settings.recordSize(),
        wallStart,
        wallStart.plusNanos(outcome.endNanos() - start),
        wallStart.plusNanos(measuredFrom - start),
        wallStart.plusNanos(measuredUntil - start),
        Math.max(0, outcome.sent() - latencies.getTotalCount()),
        outcome.stopped(),
        latencies,
        Machine.current());
  }

  private Map<String, Object> reportSettings() {
    Map<String, Object> all = new LinkedHashMap<>();
    if (scenario.usesKafka()) {
      all.put("bootstrapServers", bootstrapServers);
    }
    all.putAll(settings.asMap());
    if (!scenario.usesKafka()) {
      // It creates no topics: a partition count would only mislead whoever reads the report.
      all.remove("topicPartitions");
    }
    all.putAll(scenario.settings());
    return all;
  }
}
