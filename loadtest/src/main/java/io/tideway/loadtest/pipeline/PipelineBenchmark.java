package io.tideway.loadtest.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideway.loadtest.Guarantee;
import io.tideway.loadtest.LatencySummary;
import io.tideway.loadtest.LoadSettings;
import io.tideway.loadtest.LoadTest;
import io.tideway.loadtest.LoadTestException;
import io.tideway.loadtest.LoadTestResult;
import io.tideway.loadtest.Machine;
import io.tideway.loadtest.PassthroughScenario;
import io.tideway.loadtest.ProduceScenario;
import io.tideway.loadtest.Scenario;
import io.tideway.loadtest.ScratchDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * {@code tideway loadtest pipeline}: the whole pipeline and everything it is measured against, in
 * one run on one platform, one phase after another:
 *
 * <ol>
 *   <li>the insert-only ceiling at full speed ({@link InsertOnlyCeiling});
 *   <li>the pipeline at full speed, then at the fixed rate ({@link PipelineScenario});
 *   <li>our customer service's events to Kafka at full speed, and the Spring Modulith peer's at
 *       full speed, then at the fixed rate ({@link PublishScenario}), when its jar is at hand;
 *   <li>the produce and passthrough baselines at full speed.
 * </ol>
 *
 * "Full speed" is as fast as {@code concurrency} commands in flight go: its throughput is what each
 * sustains. The platform's memory is sampled throughout the pipeline's phases.
 */
public final class PipelineBenchmark {

  /** What the issue asks of the pipeline. */
  static final double CEILING_TARGET = 0.6;

  static final double PEER_TARGET = 1.2;
  static final double P50_TARGET_MS = 30;
  static final double P99_TARGET_MS = 150;

  /** The rate the latency targets are set at: a run at a lower one is not judged by them. */
  static final long LATENCY_RATE = 1_000;

  /**
   * Connections a service commits on at once: Spring Boot's default pool, which the customer
   * service and the Modulith peer run with. The ceiling commits on as many: more committers would
   * share WAL flushes (group commit) that the services cannot.
   */
  static final int SERVICE_CONNECTIONS = 10;

  /** The share of the schedule a run at a rate must keep up for its latencies to count. */
  static final double RATE_HELD = 0.95;

  static final long MEMORY_TARGET_BYTES = 3L << 30;

  /**
   * @param bootstrapServers the platform's Kafka
   * @param customerService the customer service's URL
   * @param runtime the topology runtime's URL
   * @param postgresUrl a JDBC URL of the platform's PostgreSQL server
   * @param registryUrl the schema registry's URL
   * @param platformPids the {@code tideway up} process, then PostgreSQL's postmaster: their memory
   *     and their descendants' is measured; empty to skip
   * @param peerJar the Spring Modulith peer's executable jar; empty to skip the peer
   * @param logDirectory where the peer's log goes
   * @param rate commands per second of the fixed-rate phases
   * @param duration each phase's measured length
   * @param warmup each phase's unmeasured start
   * @param jitWarmup how long the pipeline, and the peer before its phases, run unmeasured at full
   *     speed first: on 2 cores the JVMs' compilers take about a minute of load
   * @param concurrency commands in flight at most
   * @param baselines whether to run the produce and passthrough baselines
   */
  public record Settings(
      String bootstrapServers,
      String customerService,
      String runtime,
      String postgresUrl,
      String postgresUser,
      String postgresPassword,
      String registryUrl,
      List<Long> platformPids,
      Optional<Path> peerJar,
      Path logDirectory,
      long rate,
      Duration duration,
      Duration warmup,
      Duration jitWarmup,
      int concurrency,
      boolean baselines) {}

  /**
   * One phase's figures.
   *
   * @param name what ran, e.g. {@code pipeline at 1000/s}
   * @param unit what completes, e.g. {@code events}
   * @param result the harness's figures, latency from intended send time
   * @param latencyMicros the latency the issue speaks of, from the HTTP response for the pipeline
   *     and the peer; else the harness's
   * @param timeline the phase second by second; empty for the baselines
   */
  public record Run(
      String name,
      String unit,
      LoadTestResult result,
      Histogram latencyMicros,
      List<Timeline.Point> timeline) {

    /** Completions per second of the measured phase. */
    public double perSecond() {
      return result.recordsPerSecond();
    }

    /** {@link #latencyMicros()} in milliseconds. */
    public LatencySummary latency() {
      return LatencySummary.of(latencyMicros);
    }
  }

  /**
   * One figure over another: ours over a peer's or the ceiling's, a baseline's over ours.
   *
   * @param target what the issue asks, or NaN for a ratio reported without a target
   */
  public record Ratio(String name, double value, double target, boolean higherIsBetter) {
    /** Whether there is a target. */
    public boolean hasTarget() {
      return !Double.isNaN(target);
    }

    /** Whether the target is met; a ratio that could not be measured is not. */
    public boolean met() {
      return hasTarget()
          && !Double.isNaN(value)
          && (higherIsBetter ? value >= target : value <= target);
    }
  }

  /**
   * A target of the issue and the figure measured for it.
   *
   * @param atLeast whether the figure must reach the target (a rate), not stay under it (a latency)
   */
  public record Target(
      String name, double value, double target, String unit, boolean atLeast, boolean met) {}

  /** One stage of the pipeline, in milliseconds. */
  public record Stage(String stage, LatencySummary latency) {}

  /** Everything a run measured. */
  public record Report(
      Instant start,
      List<Run> runs,
      List<Stage> stages,
      List<Ratio> ratios,
      List<Ratio> baselineRatios,
      List<Target> targets,
      Optional<PlatformMemory.Peak> memory,
      Machine machine) {

    /** The terminal's summary: each phase, then the ratios and targets. */
    public List<String> lines() {
      List<String> lines = new ArrayList<>();
      for (Run run : runs) {
        LatencySummary l = run.latency();
        lines.add(
            String.format(
                Locale.ROOT,
                "%-28s %,10.0f %s/s   p50 %7.1f ms   p99 %7.1f ms   p99.9 %7.1f ms   max %7.1f ms",
                run.name(),
                run.perSecond(),
                run.unit(),
                l.p50(),
                l.p99(),
                l.p999(),
                l.max()));
      }
      for (Stage stage : stages) {
        lines.add(
            String.format(
                Locale.ROOT,
                "stage %-32s p50 %7.1f ms   p99 %7.1f ms   max %7.1f ms",
                stage.stage(),
                stage.latency().p50(),
                stage.latency().p99(),
                stage.latency().max()));
      }
      for (Ratio ratio : concat(ratios, baselineRatios)) {
        lines.add(
            ratio.hasTarget()
                ? String.format(
                    Locale.ROOT,
                    "%-48s %6.2f   target %s %.2f   %s",
                    ratio.name(),
                    ratio.value(),
                    ratio.higherIsBetter() ? "≥" : "≤",
                    ratio.target(),
                    ratio.met() ? "met" : "MISSED")
                : String.format(Locale.ROOT, "%-48s %6.2f", ratio.name(), ratio.value()));
      }
      for (Target target : targets) {
        lines.add(
            String.format(
                Locale.ROOT,
                "%-48s %8.1f %s   target %s %.1f %s   %s",
                target.name(),
                target.value(),
                target.unit(),
                target.atLeast() ? "≥" : "≤",
                target.target(),
                target.unit(),
                target.met() ? "met" : "MISSED"));
      }
      return lines;
    }

    /** The report as the JSON document the HTML report draws. */
    public ObjectNode document(String command) {
      ObjectMapper json = new ObjectMapper();
      ObjectNode root = json.createObjectNode();
      root.put("title", "Tideway pipeline benchmark");
      root.put("generatedAt", Instant.now().toString());
      root.put("start", start.toString());
      root.put("command", command);
      ObjectNode machineNode = root.putObject("machine");
      machineNode.put("processors", machine.availableProcessors());
      machineNode.put("memoryBytes", machine.totalMemoryBytes());
      machineNode.put("jvm", machine.jvm());
      machineNode.put("os", machine.os());
      ArrayNode runsNode = root.putArray("runs");
      for (Run run : runs) {
        ObjectNode node = runsNode.addObject();
        node.put("name", run.name());
        node.put("unit", run.unit());
        node.put("recordsPerSecond", run.perSecond());
        node.put("recordsMeasured", run.result().recordsMeasured());
        node.put("recordsLost", run.result().recordsLost());
        putLatency(node.putObject("latencyMs"), run.latency());
        putLatency(node.putObject("fromIntendedSendMs"), run.result().latency());
        node.put("histogram", LoadTestResult.encode(run.latencyMicros()));
        ArrayNode timeline = node.putArray("timeline");
        for (Timeline.Point point : run.timeline()) {
          timeline
              .addObject()
              .put("second", point.second())
              .put("recordsPerSecond", point.completed())
              .put("p50", point.p50())
              .put("p99", point.p99())
              .put("max", point.max());
        }
      }
      ArrayNode stagesNode = root.putArray("stages");
      for (Stage stage : stages) {
        stagesNode
            .addObject()
            .put("stage", stage.stage())
            .put("p50", stage.latency().p50())
            .put("p99", stage.latency().p99())
            .put("max", stage.latency().max());
      }
      putRatios(root.putArray("ratios"), ratios);
      // Bare records, thousands of times the pipeline's commands: theirs over ours, kept off the
      // chart of ratios to peers, whose scale they would flatten.
      putRatios(root.putArray("baselineRatios"), baselineRatios);
      ArrayNode targetsNode = root.putArray("targets");
      for (Target target : targets) {
        targetsNode
            .addObject()
            .put("name", target.name())
            .put("value", target.value())
            .put("target", target.target())
            .put("atLeast", target.atLeast())
            .put("unit", target.unit())
            .put("met", target.met());
      }
      memory.ifPresent(
          peak -> {
            ObjectNode node = root.putObject("memory");
            node.put("peakRssBytes", peak.rssBytes());
            node.put("peakPssBytes", peak.pssBytes());
            node.put("limitBytes", MEMORY_TARGET_BYTES);
            ArrayNode processes = node.putArray("processes");
            peak.rssByGroup()
                .forEach(
                    (name, bytes) ->
                        processes.addObject().put("name", name).put("peakRssBytes", bytes));
          });
      return root;
    }

    private static void putRatios(ArrayNode array, List<Ratio> ratios) {
      for (Ratio ratio : ratios) {
        ObjectNode node =
            array
                .addObject()
                .put("name", ratio.name())
                .put("value", ratio.value())
                .put("higherIsBetter", ratio.higherIsBetter());
        if (ratio.hasTarget()) {
          node.put("target", ratio.target()).put("met", ratio.met());
        }
      }
    }

    private static List<Ratio> concat(List<Ratio> a, List<Ratio> b) {
      List<Ratio> all = new ArrayList<>(a);
      all.addAll(b);
      return all;
    }

    private static void putLatency(ObjectNode node, LatencySummary latency) {
      node.put("p50", latency.p50())
          .put("p95", latency.p95())
          .put("p99", latency.p99())
          .put("p999", latency.p999())
          .put("max", latency.max());
    }
  }

  private final Settings settings;
  private final Consumer<String> progress;
  private volatile LoadTest current;
  private volatile boolean stopped;

  public PipelineBenchmark(Settings settings, Consumer<String> progress) {
    if (settings.concurrency() < 1 || settings.rate() < 1) {
      throw new IllegalArgumentException("--rate and --concurrency must be at least 1");
    }
    this.settings = settings;
    this.progress = progress;
  }

  /** Stops the phase under way and skips the rest; {@link #run()} then fails. Any thread. */
  public void stop() {
    stopped = true;
    LoadTest test = current;
    if (test != null) {
      test.stop();
    }
  }

  /**
   * Runs every phase.
   *
   * @throws LoadTestException when a phase fails or is stopped
   */
  public Report run() throws Exception {
    Instant start = Instant.now();
    warmUp("the platform", pipelineScenario());
    List<Run> runs = new ArrayList<>();
    InsertOnlyCeiling ceiling =
        new InsertOnlyCeiling(
            settings.postgresUrl(),
            settings.postgresUser(),
            settings.postgresPassword(),
            settings.registryUrl(),
            Math.min(settings.concurrency(), SERVICE_CONNECTIONS));
    Run ceilingRun = run("insert-only ceiling", ceiling, LoadSettings.UNTHROTTLED, false);
    runs.add(withTimeline(ceilingRun, ceiling.timeline()));

    Optional<PlatformMemory> memory =
        settings.platformPids().isEmpty()
            ? Optional.empty()
            : Optional.of(new PlatformMemory(settings.platformPids()));
    Run pipelineFull;
    PipelineScenario atRate = pipelineScenario();
    Run pipelineAtRate;
    try {
      pipelineFull = pipeline("pipeline, full speed", pipelineScenario(), LoadSettings.UNTHROTTLED);
      runs.add(pipelineFull);
      pipelineAtRate = pipeline("pipeline at " + settings.rate() + "/s", atRate, settings.rate());
      runs.add(pipelineAtRate);
    } finally {
      memory.ifPresent(PlatformMemory::close);
    }
    Run outboxToKafka =
        toKafka(
            "outbox → Kafka, full speed",
            new PublishScenario(
                "outbox",
                settings.customerService(),
                PipelineScenario.EVENTS_TOPIC,
                "id",
                settings.concurrency()),
            LoadSettings.UNTHROTTLED);
    runs.add(outboxToKafka);

    Run peerFull = null;
    Run peerAtRate = null;
    if (settings.peerJar().isPresent()) {
      try (ScratchDatabase database =
              ScratchDatabase.create(
                  settings.postgresUrl(),
                  "loadtest_modulith_" + UUID.randomUUID().toString().substring(0, 8),
                  settings.postgresUser(),
                  settings.postgresPassword());
          ModulithPeer peer =
              ModulithPeer.start(
                  settings.peerJar().get(),
                  database.url(),
                  settings.postgresUser(),
                  settings.postgresPassword(),
                  settings.bootstrapServers(),
                  freePort(),
                  settings.logDirectory().resolve("modulith-peer.log"))) {
        progress.accept("Spring Modulith peer started at " + peer.url());
        warmUp("the peer", modulith(peer));
        peerFull = toKafka("modulith, full speed", modulith(peer), LoadSettings.UNTHROTTLED);
        runs.add(peerFull);
        peerAtRate =
            toKafka("modulith at " + settings.rate() + "/s", modulith(peer), settings.rate());
        runs.add(peerAtRate);
      }
    }

    List<Run> baselines = new ArrayList<>();
    if (settings.baselines()) {
      baselines.add(run("produce", new ProduceScenario(Map.of()), LoadSettings.UNTHROTTLED, true));
      baselines.add(
          run(
              "passthrough (exactly_once_v2)",
              new PassthroughScenario(Guarantee.EXACTLY_ONCE_V2, Map.of(), Map.of()),
              LoadSettings.UNTHROTTLED,
              true));
    }
    // The pipeline first: the report's headline is its first run.
    List<Run> reported = new ArrayList<>(List.of(pipelineFull, pipelineAtRate));
    runs.stream().filter(run -> !reported.contains(run)).forEach(reported::add);
    reported.addAll(baselines);

    List<Stage> stages = new ArrayList<>();
    atRate
        .stages()
        .forEach((name, micros) -> stages.add(new Stage(name, LatencySummary.of(micros))));
    return new Report(
        start,
        reported,
        stages,
        ratios(
            settings.rate(),
            pipelineFull,
            pipelineAtRate,
            outboxToKafka,
            ceilingRun,
            peerFull,
            peerAtRate),
        baselines.stream()
            .map(
                run ->
                    new Ratio(
                        run.name() + " / pipeline",
                        run.perSecond() / pipelineFull.perSecond(),
                        Double.NaN,
                        true))
            .toList(),
        targets(
            settings.rate(),
            pipelineAtRate.perSecond(),
            pipelineAtRate.latency(),
            memory.map(PlatformMemory::peak)),
        memory.map(PlatformMemory::peak),
        Machine.current());
  }

  private PipelineScenario pipelineScenario() {
    return new PipelineScenario(
        settings.customerService(), settings.runtime(), settings.concurrency());
  }

  private PublishScenario modulith(ModulithPeer peer) {
    return new PublishScenario(
        "modulith",
        peer.url(),
        peer.topic(),
        ModulithPeer.EVENT_ID_RECORD_HEADER,
        settings.concurrency());
  }

  private Run pipeline(String name, PipelineScenario scenario, long rate) throws Exception {
    LoadTestResult result = measure(scenario, rate, true);
    return new Run(
        name,
        scenario.unit(),
        result,
        scenario.responseToQueryable(),
        scenario.timeline().points());
  }

  private Run toKafka(String name, PublishScenario scenario, long rate) throws Exception {
    LoadTestResult result = measure(scenario, rate, true);
    return new Run(
        name, scenario.unit(), result, scenario.responseToKafka(), scenario.timeline().points());
  }

  private Run run(String name, Scenario scenario, long rate, boolean kafka) throws Exception {
    LoadTestResult result = measure(scenario, rate, kafka);
    return new Run(name, scenario.unit(), result, result.latencyMicros(), List.of());
  }

  private static Run withTimeline(Run run, Timeline timeline) {
    return new Run(run.name(), run.unit(), run.result(), run.latencyMicros(), timeline.points());
  }

  /** Runs a scenario at full speed for the JIT warm-up, measuring nothing. */
  private void warmUp(String what, Scenario scenario) throws Exception {
    if (!settings.jitWarmup().isZero()) {
      progress.accept(
          "Warming "
              + what
              + " up: "
              + scenario.name()
              + " at full speed for "
              + settings.jitWarmup().toSeconds()
              + " s, not measured");
      measure(scenario, LoadSettings.UNTHROTTLED, true, settings.jitWarmup(), Duration.ZERO);
    }
  }

  private LoadTestResult measure(Scenario scenario, long rate, boolean kafka) throws Exception {
    return measure(scenario, rate, kafka, settings.duration(), settings.warmup());
  }

  private LoadTestResult measure(
      Scenario scenario, long rate, boolean kafka, Duration duration, Duration warmup)
      throws Exception {
    if (stopped) {
      throw new LoadTestException("stopped before " + scenario.name());
    }
    LoadSettings load =
        new LoadSettings(
            rate,
            Optional.of(duration),
            OptionalLong.empty(),
            kafka ? LoadSettings.DEFAULT_RECORD_SIZE : 1,
            warmup,
            LoadSettings.DEFAULT_TOPIC_PARTITIONS);
    LoadTest test =
        kafka
            ? new LoadTest(scenario, settings.bootstrapServers(), load, progress)
            : new LoadTest(scenario, load, progress);
    current = test;
    LoadTestResult result = test.run();
    progress.accept("[" + scenario.name() + "] " + result.summaryLine());
    if (result.stoppedEarly()) {
      throw new LoadTestException(scenario.name() + " was stopped");
    }
    if (result.recordsLost() > 0) {
      throw new LoadTestException(
          scenario.name() + ": " + result.recordsLost() + " measured records did not complete");
    }
    return result;
  }

  private static List<Ratio> ratios(
      long rate,
      Run pipelineFull,
      Run pipelineAtRate,
      Run outboxToKafka,
      Run ceiling,
      Run peerFull,
      Run peerAtRate) {
    List<Ratio> ratios = new ArrayList<>();
    double ours = pipelineFull.perSecond();
    ratios.add(
        new Ratio(
            "pipeline / insert-only ceiling", ours / ceiling.perSecond(), CEILING_TARGET, true));
    if (peerFull != null) {
      ratios.add(
          new Ratio("pipeline / Spring Modulith", ours / peerFull.perSecond(), PEER_TARGET, true));
      ratios.add(
          new Ratio(
              "outbox → Kafka / Spring Modulith",
              outboxToKafka.perSecond() / peerFull.perSecond(),
              Double.NaN,
              true));
      ratios.add(
          p99AtRate(
              rate,
              pipelineAtRate.perSecond(),
              pipelineAtRate.latency().p99(),
              peerAtRate.perSecond(),
              peerAtRate.latency().p99()));
    }
    return ratios;
  }

  /**
   * The pipeline's p99 to the peer's at one rate, judged only where both held it: a run that fell
   * behind timed its requests at a lower rate, and where its backlog waited (before the requests,
   * in the pipeline's generator; after them, in the peer's publication) decides its p99, not how
   * fast it is.
   */
  static Ratio p99AtRate(
      long rate,
      double pipelinePerSecond,
      double pipelineP99,
      double peerPerSecond,
      double peerP99) {
    boolean bothHeld = held(rate, pipelinePerSecond) && held(rate, peerPerSecond);
    return new Ratio(
        "p99 at "
            + rate
            + "/s: pipeline / Spring Modulith"
            + (bothHeld ? "" : " (a run fell behind)"),
        pipelineP99 / peerP99,
        bothHeld ? 1.0 : Double.NaN,
        false);
  }

  /** Whether a run kept up with its rate, enough for its latencies to count. */
  private static boolean held(long rate, double perSecond) {
    return perSecond >= RATE_HELD * rate;
  }

  /**
   * The targets of the run at a fixed rate: a run that fell behind its schedule measured latency at
   * a lower rate, its backlog waiting before the requests it timed, so its latencies meet no target
   * set for this rate; the latency targets are set at {@link #LATENCY_RATE} and judge no run at a
   * lower one.
   */
  static List<Target> targets(
      long rate, double perSecond, LatencySummary latency, Optional<PlatformMemory.Peak> memory) {
    List<Target> targets = new ArrayList<>();
    String at = " at " + rate + "/s";
    boolean held = held(rate, perSecond);
    targets.add(new Target("rate held" + at, perSecond, RATE_HELD * rate, "events/s", true, held));
    if (rate >= LATENCY_RATE) {
      targets.add(
          new Target(
              "HTTP → queryable p50" + at,
              latency.p50(),
              P50_TARGET_MS,
              "ms",
              false,
              held && latency.p50() <= P50_TARGET_MS));
      targets.add(
          new Target(
              "HTTP → queryable p99" + at,
              latency.p99(),
              P99_TARGET_MS,
              "ms",
              false,
              held && latency.p99() <= P99_TARGET_MS));
    }
    memory.ifPresent(
        peak ->
            // Judged by proportional set size: summed resident sizes count PostgreSQL's shared
            // buffers once per backend. Both are reported.
            targets.add(
                new Target(
                    String.format(
                        Locale.ROOT,
                        "platform memory, peak PSS (RSS summed: %.0f MiB)",
                        peak.rssBytes() / (double) (1 << 20)),
                    peak.pssBytes() / (double) (1 << 20),
                    MEMORY_TARGET_BYTES / (double) (1 << 20),
                    "MiB",
                    false,
                    peak.pssBytes() <= MEMORY_TARGET_BYTES)));
    return targets;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
