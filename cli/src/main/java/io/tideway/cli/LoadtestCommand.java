package io.tideway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tideway.deploy.PlatformEndpoints;
import io.tideway.deploy.platform.LocalPlatform;
import io.tideway.loadtest.DurationText;
import io.tideway.loadtest.Guarantee;
import io.tideway.loadtest.LoadSettings;
import io.tideway.loadtest.LoadTest;
import io.tideway.loadtest.LoadTestException;
import io.tideway.loadtest.LoadTestResult;
import io.tideway.loadtest.Machine;
import io.tideway.loadtest.PassthroughScenario;
import io.tideway.loadtest.ProduceScenario;
import io.tideway.loadtest.RegistryScenario;
import io.tideway.loadtest.Scenario;
import io.tideway.loadtest.dedupe.DedupeBenchmark;
import io.tideway.loadtest.jmh.SerdeBenchmarks;
import io.tideway.loadtest.jmh.SerdeComparison;
import io.tideway.loadtest.pipeline.ModulithPeer;
import io.tideway.loadtest.pipeline.PipelineBenchmark;
import io.tideway.loadtest.query.QueryBenchmark;
import io.tideway.loadtest.rebuild.RebuildBenchmark;
import io.tideway.loadtest.relay.RelayBenchmark;
import io.tideway.loadtest.relay.RelayTargets;
import io.tideway.loadtest.report.HtmlReport;
import io.tideway.loadtest.saga.SagaScenario;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.runner.RunnerException;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code tideway loadtest <scenario>}: an open-loop load test against the local platform, or any
 * broker or registry, printed as kafka-producer-perf-test prints its results; and {@code tideway
 * loadtest serde}, a JMH benchmark of the serde against plain Avro.
 */
@Command(
    name = "loadtest",
    mixinStandardHelpOptions = true,
    description = {
      "Load-test the platform: send records on an open-loop schedule and measure each one's"
          + " latency from the time it was meant to be sent, so stalls are not hidden"
          + " (coordinated omission is corrected).",
      "Progress every 5 s, then a summary in kafka-producer-perf-test's format. Each run creates"
          + " its own topics and deletes them at the end.",
      "serde is a JMH benchmark instead: our serde's time per record beside plain Avro's."
    },
    subcommands = {
      LoadtestCommand.Produce.class,
      LoadtestCommand.Passthrough.class,
      LoadtestCommand.Registry.class,
      LoadtestCommand.Relay.class,
      LoadtestCommand.Dedupe.class,
      LoadtestCommand.Query.class,
      LoadtestCommand.Saga.class,
      LoadtestCommand.Rebuild.class,
      LoadtestCommand.Pipeline.class,
      LoadtestCommand.Serde.class
    })
final class LoadtestCommand {

  /** Options every scenario takes. */
  static final class RunOptions {

    @Option(
        names = "--rate",
        paramLabel = "N",
        defaultValue = "-1",
        description =
            "Records per second, or -1 for as fast as possible (default: ${DEFAULT-VALUE}).")
    long rate;

    @Option(
        names = "--duration",
        paramLabel = "TIME",
        converter = DurationConverter.class,
        description = "Length of the measured phase, e.g. 30s or 2m.")
    Duration duration;

    @Option(
        names = "--records",
        paramLabel = "N",
        description =
            "Records in the measured phase. The run ends at --records or --duration, whichever"
                + " comes first; give at least one.")
    Long records;

    @Option(
        names = "--warmup",
        paramLabel = "TIME",
        defaultValue = "5s",
        converter = DurationConverter.class,
        description =
            "Unmeasured sending before the measured phase; 0s for none (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(
        names = "--json",
        paramLabel = "FILE",
        description =
            "Also write the results as JSON: settings, throughput, latencies and the whole"
                + " latency histogram (HdrHistogram, compressed, base64).")
    Path json;

    /**
     * The load's shape with records of {@code recordSize} bytes and topics of {@code
     * topicPartitions} partitions; throws IllegalArgumentException naming a setting that cannot
     * work.
     */
    LoadSettings loadSettings(int recordSize, int topicPartitions) {
      return new LoadSettings(
          rate,
          Optional.ofNullable(duration),
          records == null ? OptionalLong.empty() : OptionalLong.of(records),
          recordSize,
          warmup,
          topicPartitions);
    }
  }

  /** Options of the scenarios that load Kafka. */
  static final class KafkaOptions {

    @Option(
        names = "--bootstrap-server",
        paramLabel = "HOST:PORT",
        defaultValue = "${env:TIDEWAY_BOOTSTRAP_SERVER}",
        description =
            "Kafka to load (env TIDEWAY_BOOTSTRAP_SERVER; default: the local platform's, found"
                + " through --data-dir).")
    String bootstrapServer;

    @Option(
        names = "--record-size",
        paramLabel = "BYTES",
        defaultValue = "" + LoadSettings.DEFAULT_RECORD_SIZE,
        description = "Bytes per record value (default: ${DEFAULT-VALUE}).")
    int recordSize;

    @Option(
        names = "--topic-partitions",
        paramLabel = "N",
        defaultValue = "" + LoadSettings.DEFAULT_TOPIC_PARTITIONS,
        description = "Partitions of each topic the run creates (default: ${DEFAULT-VALUE}).")
    int topicPartitions;

    @Option(
        names = "--producer-prop",
        paramLabel = "KEY=VALUE",
        description =
            "Producer setting on top of acks=all, enable.idempotence=true, linger.ms=5,"
                + " batch.size=65536; repeatable.")
    Map<String, String> producerProps = new LinkedHashMap<>();
  }

  /** What every scenario subcommand does with its scenario: run it, print it, report it. */
  abstract static class ScenarioCommand implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin DataDirOption dataDir;
    @Mixin RunOptions options;

    /** The load's shape; throws IllegalArgumentException naming a setting that cannot work. */
    abstract LoadSettings loadSettings();

    /**
     * The scenario the options describe, after {@link #loadSettings()}; throws
     * IllegalArgumentException for bad options.
     */
    abstract Scenario scenario();

    /** The run of the scenario, on the broker it needs if any. */
    abstract LoadTest loadTest(Scenario scenario, LoadSettings settings, Consumer<String> progress);

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      String command = spec.qualifiedName();
      LoadTest test;
      try {
        LoadSettings settings = loadSettings();
        Scenario scenario = scenario();
        scenario.check(settings);
        test = loadTest(scenario, settings, line -> print(out, line));
      } catch (IllegalArgumentException e) {
        err.println(command + ": " + e.getMessage());
        err.flush();
        return Tideway.BAD_INPUT;
      }
      try {
        return report(stoppingOnCtrlC(test::stop, test::run), out, err, command);
      } catch (LoadTestException e) {
        // The terminal gets the one line; the log file, below the terminal's threshold, the trace.
        CommandLogs.log().info("{} failed", command, e);
        err.println(command + ": " + e.getMessage() + " (details in " + CommandLogs.file() + ")");
        err.flush();
        return 1;
      }
    }

    private int report(LoadTestResult result, PrintWriter out, PrintWriter err, String command)
        throws IOException {
      print(out, result.summaryLine());
      if (options.json != null) {
        result.writeJson(options.json);
        print(out, "Results written to " + options.json);
      }
      if (result.stoppedEarly()) {
        err.println(command + ": stopped before the end of the run");
        err.flush();
        return 1;
      }
      if (result.recordsLost() > 0) {
        err.println(
            command
                + ": "
                + result.recordsLost()
                + " measured "
                + result.unit()
                + " did not complete (none completed in the last "
                + DurationText.format(LoadTest.DRAIN_TIMEOUT)
                + ")");
        err.flush();
        return 1;
      }
      return 0;
    }

    static void print(PrintWriter out, String line) {
      out.println(line);
      out.flush();
    }
  }

  /** A scenario through Kafka: the broker of {@code --bootstrap-server}, or the platform's. */
  abstract static class KafkaScenarioCommand extends ScenarioCommand {

    @Mixin KafkaOptions kafka;

    @Override
    LoadSettings loadSettings() {
      return options.loadSettings(kafka.recordSize, kafka.topicPartitions);
    }

    @Override
    LoadTest loadTest(Scenario scenario, LoadSettings settings, Consumer<String> progress) {
      // Looked up last: a platform that is not running is the lesser news than bad options.
      String bootstrapServers =
          kafka.bootstrapServer != null
              ? kafka.bootstrapServer
              : dataDir.endpoints("pass --bootstrap-server").kafka().bootstrap();
      return new LoadTest(scenario, bootstrapServers, settings, progress);
    }
  }

  @Command(
      name = ProduceScenario.NAME,
      mixinStandardHelpOptions = true,
      description = {
        "The broker alone: a producer sends to a fresh topic; latency runs from each record's"
            + " intended send time to the broker's acknowledgement."
      })
  static final class Produce extends KafkaScenarioCommand {
    @Override
    Scenario scenario() {
      return new ProduceScenario(kafka.producerProps);
    }
  }

  @Command(
      name = PassthroughScenario.NAME,
      mixinStandardHelpOptions = true,
      description = {
        "Kafka Streams end to end: a producer feeds an input topic, a topology copies it to an"
            + " output topic, a reader reads it; latency runs from each record's intended send"
            + " time to its reading."
      })
  static final class Passthrough extends KafkaScenarioCommand {

    @Option(
        names = "--guarantee",
        paramLabel = "GUARANTEE",
        defaultValue = "at_least_once",
        description =
            "Processing guarantee: at_least_once or exactly_once_v2 (commits every 100 ms)"
                + " (default: ${DEFAULT-VALUE}).")
    private String guarantee;

    @Option(
        names = "--streams-prop",
        paramLabel = "KEY=VALUE",
        description = "Kafka Streams setting on top of the scenario's; repeatable.")
    private Map<String, String> streamsProps = new LinkedHashMap<>();

    @Override
    Scenario scenario() {
      return new PassthroughScenario(Guarantee.parse(guarantee), kafka.producerProps, streamsProps);
    }
  }

  @Command(
      name = RegistryScenario.NAME,
      mixinStandardHelpOptions = true,
      description = {
        "The schema registry's hot read path: registers --schemas schemas, then sends GET"
            + " /schemas/ids/{id} cycling over their ids, at most --concurrency at once; latency"
            + " runs from each request's intended send time to its 200 answer, read to its end."
            + " Any other answer fails the run. Needs no Kafka."
      })
  static final class Registry extends ScenarioCommand {

    @Option(
        names = "--registry-url",
        converter = HttpUrlConverter.class,
        paramLabel = "URL",
        defaultValue = "${env:TIDEWAY_REGISTRY_URL}",
        description =
            "Schema registry to load, Tideway's or any with Confluent's API (env"
                + " TIDEWAY_REGISTRY_URL; default: the local platform's, found through"
                + " --data-dir).")
    private String registryUrl;

    @Option(
        names = "--schemas",
        paramLabel = "N",
        defaultValue = "" + RegistryScenario.DEFAULT_SCHEMAS,
        description =
            "Distinct schemas registered before the run, whose ids the requests cycle over"
                + " (default: ${DEFAULT-VALUE}).")
    private int schemas;

    @Option(
        names = "--concurrency",
        paramLabel = "N",
        defaultValue = "" + RegistryScenario.DEFAULT_CONCURRENCY,
        description =
            "Requests in flight at most; at the bound the sender waits, and the wait counts as"
                + " latency (default: ${DEFAULT-VALUE}).")
    private int concurrency;

    @Override
    LoadSettings loadSettings() {
      RegistryScenario.checkOptions(schemas, concurrency);
      // A record is an answer here: MB/sec counts the answers' bytes.
      return options.loadSettings(
          RegistryScenario.answerBytes(schemas), LoadSettings.DEFAULT_TOPIC_PARTITIONS);
    }

    @Override
    Scenario scenario() {
      // Looked up after the options were checked: a platform that is not running is the lesser
      // news than bad options.
      String url =
          registryUrl != null
              ? registryUrl
              : dataDir.endpoints("pass --registry-url").registry().url();
      return new RegistryScenario(url, schemas, concurrency);
    }

    @Override
    LoadTest loadTest(Scenario scenario, LoadSettings settings, Consumer<String> progress) {
      return new LoadTest(scenario, settings, progress);
    }
  }

  @Command(
      name = SagaScenario.NAME,
      mixinStandardHelpOptions = true,
      description = {
        "The place-order saga on the local platform with its reference services: orders of one"
            + " line placed at --rate through the order service's API, at most --concurrency"
            + " placements in flight; latency runs from each order's intended send time to its"
            + " OrderApproved on order.events (credit, then stock reserved, then the order"
            + " approved). Creates --customers customers and --products products first, with"
            + " credit and stock no run exhausts; a rejected order fails the run."
      })
  static final class Saga extends ScenarioCommand {

    @Option(
        names = "--customers",
        paramLabel = "N",
        defaultValue = "" + SagaScenario.DEFAULT_CUSTOMERS,
        description = "Customers the orders cycle over (default: ${DEFAULT-VALUE}).")
    private int customers;

    @Option(
        names = "--products",
        paramLabel = "N",
        defaultValue = "" + SagaScenario.DEFAULT_PRODUCTS,
        description = "Products the orders cycle over (default: ${DEFAULT-VALUE}).")
    private int products;

    @Option(
        names = "--concurrency",
        paramLabel = "N",
        defaultValue = "" + SagaScenario.DEFAULT_CONCURRENCY,
        description =
            "Placements in flight at most; at the bound the sender waits, and the wait counts as"
                + " latency (default: ${DEFAULT-VALUE}).")
    private int concurrency;

    private PlatformEndpoints endpoints;

    @Override
    LoadSettings loadSettings() {
      return options.loadSettings(1, LoadSettings.DEFAULT_TOPIC_PARTITIONS);
    }

    @Override
    Scenario scenario() {
      endpoints = dataDir.endpoints("pass the --data-dir of a platform with its services");
      return new SagaScenario(endpoints.services(), customers, products, concurrency);
    }

    @Override
    LoadTest loadTest(Scenario scenario, LoadSettings settings, Consumer<String> progress) {
      return new LoadTest(scenario, endpoints.kafka().bootstrap(), settings, progress);
    }
  }

  @Command(
      name = "relay",
      mixinStandardHelpOptions = true,
      description = {
        "The outbox relay on the local platform, in a database of the run's own: first --prefill"
            + " events committed while nothing reads them, drained by a bare Debezium engine and"
            + " then by the relay (events/s each, and the ratio); then, for each of --rates,"
            + " transactions of --batch events committed on an open-loop schedule through the"
            + " outbox writer, with commit-to-Kafka latency (PostgreSQL's commit time to the"
            + " consumer seeing the event). Prints each figure against the targets."
      })
  static final class Relay implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin DataDirOption dataDir;

    @Option(
        names = "--prefill",
        paramLabel = "N",
        defaultValue = "100000",
        description =
            "Events for the throughput comparison; 0 skips it (default: ${DEFAULT-VALUE}).")
    int prefill;

    @Option(
        names = "--no-baseline",
        description = "Skip the bare engine: drain with the relay alone.")
    boolean noBaseline;

    @Option(
        names = "--rates",
        paramLabel = "N,N",
        split = ",",
        defaultValue = "1000,4000",
        description =
            "Commit rates, transactions per second, one phase each (default: ${DEFAULT-VALUE}).")
    List<Integer> rates;

    @Option(
        names = "--batch",
        paramLabel = "N",
        defaultValue = "1",
        description = "Events per transaction (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
        names = "--writers",
        paramLabel = "N",
        defaultValue = "8",
        description = "Writer threads, a connection each (default: ${DEFAULT-VALUE}).")
    int writers;

    @Option(
        names = "--warmup",
        paramLabel = "TIME",
        defaultValue = "10s",
        converter = DurationConverter.class,
        description = "Left out at the start of each phase (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Mixin PhaseOptions phases;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      if (prefill < 0 || batch < 1 || writers < 1 || rates.stream().anyMatch(rate -> rate < 1)) {
        throw new ParameterException(
            spec.commandLine(),
            "--prefill must be 0 or more, and --batch, --writers and every --rates at least 1");
      }
      PlatformEndpoints endpoints = dataDir.endpoints("pass the --data-dir of one");
      RelayBenchmark.Settings settings =
          new RelayBenchmark.Settings(
              endpoints.kafka().bootstrap(),
              endpoints.postgres().jdbcUrl(),
              endpoints.postgres().user(),
              LocalPlatform.superuserPassword(dataDir.path()),
              endpoints.registry().url(),
              prefill,
              !noBaseline,
              rates,
              batch,
              writers,
              warmup,
              phases.duration);
      RelayBenchmark benchmark =
          new RelayBenchmark(settings, line -> ScenarioCommand.print(out, line));
      RelayBenchmark.Report report = stoppingOnCtrlC(benchmark::stop, benchmark::run);
      RelayTargets.lines(report).forEach(out::println);
      if (phases.json != null) {
        writeReport(phases.json, settings, report, Map.of("ratio", report.ratio()));
        out.println("Results written to " + phases.json);
      }
      out.flush();
      return 0;
    }
  }

  /**
   * Runs {@code run}; on Ctrl-C meanwhile, calls {@code stop} and keeps the JVM up until {@code
   * run} has returned (for at most {@link LoadTest#DRAIN_TIMEOUT}), so that it still deletes what
   * it created.
   */
  static <T> T stoppingOnCtrlC(Runnable stop, Callable<T> run) throws Exception {
    CountDownLatch finished = new CountDownLatch(1);
    Thread stopper =
        new Thread(
            () -> {
              stop.run();
              try {
                finished.await(LoadTest.DRAIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "tideway-loadtest-stop");
    Runtime.getRuntime().addShutdownHook(stopper);
    try {
      return run.call();
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(stopper);
      } catch (IllegalStateException shuttingDown) {
        // The hook is running: it waits for this run, which is over now.
      }
    }
  }

  /** Options of the benchmarks that run measured phases: their length, and the JSON report. */
  static final class PhaseOptions {

    @Option(
        names = "--duration",
        paramLabel = "TIME",
        defaultValue = "30s",
        converter = DurationConverter.class,
        description = "Measured length of each phase (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;
  }

  /**
   * Writes a benchmark's settings, without passwords or the credentials of URLs (result files are
   * shared), its report, derived figures and the machine as JSON.
   */
  private static void writeReport(
      Path json, Object settings, Object report, Map<String, Object> figures) throws IOException {
    ObjectMapper mapper = new ObjectMapper().findAndRegisterModules();
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("settings", withoutSecrets(mapper.valueToTree(settings)));
    document.put("report", report);
    document.putAll(figures);
    document.put("machine", Machine.current());
    mapper.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), document);
  }

  static JsonNode withoutSecrets(JsonNode node) {
    if (node instanceof ObjectNode object) {
      object.remove("password");
      object
          .properties()
          .forEach(
              field -> {
                if (field.getValue().isTextual()) {
                  field.setValue(
                      TextNode.valueOf(
                          field.getValue().asText().replaceAll("(://)[^/@\\s]+@", "$1")));
                } else {
                  withoutSecrets(field.getValue());
                }
              });
    } else if (node.isArray()) {
      node.forEach(LoadtestCommand::withoutSecrets);
    }
    return node;
  }

  @Command(
      name = "rebuild",
      mixinStandardHelpOptions = true,
      description = {
        "How fast a rebuild replays the log, side by side on one broker under exactly_once_v2:"
            + " --customers registrations and --orders orders (each placed and approved) read from"
            + " the beginning by a passthrough, then by the reference projections (customer-orders"
            + " and the other read models) under a fresh application id, as 'tideway replay"
            + " rebuild' runs them. Prints each one's events/s and the ratio against the target."
      })
  static final class Rebuild implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin KafkaOption kafka;

    @Option(
        names = "--customers",
        paramLabel = "N",
        defaultValue = "5000",
        description = "Customers registered (default: ${DEFAULT-VALUE}).")
    int customers;

    @Option(
        names = "--orders",
        paramLabel = "N",
        defaultValue = "100000",
        description = "Orders, each placed and approved (default: ${DEFAULT-VALUE}).")
    int orders;

    @Option(
        names = "--partitions",
        paramLabel = "N",
        defaultValue = "3",
        description = "Partitions of each events topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(
        names = "--jar",
        paramLabel = "FILE",
        description = "The projections' topology jar (default: the one 'tideway up' deploys).")
    Path jar;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      if (customers < 1 || orders < 1 || partitions < 1) {
        throw new ParameterException(
            spec.commandLine(), "--customers, --orders and --partitions must be at least 1");
      }
      String bootstrap = kafka.bootstrapServers();
      RebuildBenchmark.Settings settings =
          new RebuildBenchmark.Settings(
              bootstrap,
              jar != null ? jar : UpCommand.projectionsJar(),
              customers,
              orders,
              partitions,
              Duration.ofMinutes(10));
      RebuildBenchmark.Report report =
          new RebuildBenchmark(settings, line -> ScenarioCommand.print(out, line)).run();
      report.lines().forEach(out::println);
      if (json != null) {
        writeReport(json, settings, report, Map.of("rebuildToPassthrough", report.ratio()));
        out.println("Results written to " + json);
      }
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "pipeline",
      mixinStandardHelpOptions = true,
      description = {
        "The whole pipeline on the local platform with its reference services: customers"
            + " registered through the customer service's API, each followed by a read-your-writes"
            + " query of customer-orders that answers once the projection has processed the"
            + " registration's event (outbox, relay, Kafka, runtime). Latency runs from the"
            + " command's HTTP response to the query's answer.",
        "In the same run, one phase after another, each --duration long: the insert-only ceiling"
            + " (the same transaction over JDBC, nothing downstream) and the pipeline at full"
            + " speed (--concurrency commands in flight), the pipeline at --rate, the Spring"
            + " Modulith peer at full speed and at --rate, and the produce and passthrough"
            + " baselines. Prints each phase, the per-stage breakdown, the ratios and the targets,"
            + " and measures the platform's memory."
      })
  static final class Pipeline implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin DataDirOption dataDir;
    @Mixin PhaseOptions phases;

    @Option(
        names = "--rate",
        paramLabel = "N",
        defaultValue = "1000",
        description = "Commands per second of the fixed-rate phases (default: ${DEFAULT-VALUE}).")
    long rate;

    @Option(
        names = "--warmup",
        paramLabel = "TIME",
        defaultValue = "5s",
        converter = DurationConverter.class,
        description = "Unmeasured start of each phase (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(
        names = "--jit-warmup",
        paramLabel = "TIME",
        defaultValue = "60s",
        converter = DurationConverter.class,
        description =
            "Unmeasured full-speed load first, on the pipeline and then on the peer, so that the"
                + " JVMs' compilers are done before anything is measured; 0s for none (default:"
                + " ${DEFAULT-VALUE}).")
    Duration jitWarmup;

    @Option(
        names = "--concurrency",
        paramLabel = "N",
        defaultValue = "64",
        description = "Commands in flight at most (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--no-peer", description = "Skip the Spring Modulith peer.")
    boolean noPeer;

    @Option(names = "--no-baselines", description = "Skip the produce and passthrough baselines.")
    boolean noBaselines;

    @Option(
        names = "--report",
        paramLabel = "DIR",
        description =
            "Also write an HTML report with charts (index.html) and its data (report.json) there.")
    Path report;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PlatformEndpoints endpoints =
          dataDir.endpoints("pass the --data-dir of a platform with its services");
      String customers = endpoints.services().get("customer");
      if (customers == null || endpoints.query() == null) {
        throw new ParameterException(
            spec.commandLine(),
            "The platform at "
                + dataDir.path()
                + " runs no reference services; start it without --no-services");
      }
      PipelineBenchmark.Settings settings =
          new PipelineBenchmark.Settings(
              endpoints.kafka().bootstrap(),
              customers,
              endpoints.query().url(),
              endpoints.postgres().jdbcUrl(),
              endpoints.postgres().user(),
              LocalPlatform.superuserPassword(dataDir.path()),
              endpoints.registry().url(),
              platformPids(dataDir.path()),
              noPeer
                  ? Optional.empty()
                  : Optional.of(ModulithPeer.jarIn(UpCommand.referenceJars())),
              dataDir.path().resolve("logs"),
              rate,
              phases.duration,
              warmup,
              jitWarmup,
              concurrency,
              !noBaselines);
      PipelineBenchmark benchmark;
      try {
        benchmark = new PipelineBenchmark(settings, line -> ScenarioCommand.print(out, line));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      PipelineBenchmark.Report result = stoppingOnCtrlC(benchmark::stop, benchmark::run);
      result.lines().forEach(out::println);
      ObjectNode document =
          result.document(
              "tideway " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
      if (phases.json != null) {
        new ObjectMapper()
            .writerWithDefaultPrettyPrinter()
            .writeValue(phases.json.toFile(), document);
        out.println("Results written to " + phases.json);
      }
      if (report != null) {
        out.println("Report written to " + HtmlReport.write(report, document));
      }
      out.flush();
      return 0;
    }

    /**
     * The process running the platform, as its data directory's lock file names it, then
     * PostgreSQL's postmaster, which runs detached, as its pid file names it; none if unreadable.
     */
    private static List<Long> platformPids(Path dataDir) {
      List<Long> pids = new ArrayList<>();
      for (Path file :
          List.of(dataDir.resolve("tideway.lock"), dataDir.resolve("postgres/postmaster.pid"))) {
        try {
          pids.add(Long.parseLong(Files.readAllLines(file).get(0).trim()));
        } catch (IOException | RuntimeException e) {
          // Not this platform's layout: its memory is not measured.
          return List.of();
        }
      }
      return pids;
    }
  }

  @Command(
      name = "dedupe",
      mixinStandardHelpOptions = true,
      description = {
        "Deduplication by event id under exactly_once_v2, side by side on one broker: --events"
            + " events (a --duplicates share of them sent twice) read by a passthrough, by"
            + " Tideway's Deduplicate and by the window-store deduplication of Kafka Streams'"
            + " examples, one after another from the beginning of one input. Prints each one's"
            + " records/s and the ratios against the targets, and checks that both"
            + " deduplications output each event exactly once."
      })
  static final class Dedupe implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin KafkaOption kafka;

    @Option(
        names = "--events",
        paramLabel = "N",
        defaultValue = "300000",
        description = "Distinct events (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(
        names = "--duplicates",
        paramLabel = "SHARE",
        defaultValue = "0.1",
        description = "Share of events sent twice, 0 to 1 (default: ${DEFAULT-VALUE}).")
    double duplicates;

    @Option(
        names = "--partitions",
        paramLabel = "N",
        defaultValue = "3",
        description = "Partitions of the input (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(
        names = "--record-size",
        paramLabel = "BYTES",
        defaultValue = "200",
        description = "Bytes per value (default: ${DEFAULT-VALUE}).")
    int recordSize;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      if (events < 1 || partitions < 1 || recordSize < 0 || duplicates < 0 || duplicates > 1) {
        throw new ParameterException(
            spec.commandLine(),
            "--events and --partitions must be at least 1, --record-size 0 or more, and"
                + " --duplicates between 0 and 1");
      }
      String bootstrap = kafka.bootstrapServers();
      DedupeBenchmark.Settings settings =
          new DedupeBenchmark.Settings(
              bootstrap, events, duplicates, partitions, recordSize, Duration.ofMinutes(10));
      DedupeBenchmark.Report report =
          new DedupeBenchmark(settings, line -> ScenarioCommand.print(out, line)).run();
      report.lines().forEach(out::println);
      if (json != null) {
        writeReport(
            json,
            settings,
            report,
            Map.of(
                "oursToPassthrough", report.oursToPassthrough(),
                "oursToClassic", report.oursToClassic()));
        out.println("Results written to " + json);
      }
      out.flush();
      return report.exact() ? 0 : 1;
    }
  }

  @Command(
      name = "query",
      mixinStandardHelpOptions = true,
      description = {
        "Interactive queries: two topology runtimes, each in a JVM of its own, on the platform's"
            + " broker and registry, a key-value store of --keys customers, then two open-loop"
            + " phases of"
            + " GET /v1/stores/{store}/keys/{key} at runtime a: keys it owns (local) at --rate,"
            + " and keys runtime b owns (forwarded to b) at --forwarded-rate. Prints lookups/s"
            + " and latency percentiles against the targets."
      })
  static final class Query implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin DataDirOption dataDir;

    @Option(
        names = "--keys",
        paramLabel = "N",
        defaultValue = "20000",
        description = "Keys in the store (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(
        names = "--rate",
        paramLabel = "N",
        defaultValue = "" + QueryBenchmark.LOCAL_RATE_TARGET,
        description = "Local lookups per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(
        names = "--forwarded-rate",
        paramLabel = "N",
        defaultValue = "5000",
        description = "Forwarded lookups per second (default: ${DEFAULT-VALUE}).")
    int forwardedRate;

    @Option(
        names = "--concurrency",
        paramLabel = "N",
        defaultValue = "16",
        description =
            "Lookups in flight at most; at the bound the schedule waits, and the wait counts as"
                + " latency (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(
        names = "--warmup",
        paramLabel = "TIME",
        defaultValue = "60s",
        converter = DurationConverter.class,
        description =
            "Unmeasured lookups of every key at half --rate before the phases, for the JIT"
                + " compiler to finish its work (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(
        names = "--shared-cores",
        description =
            "Let the runtimes and the generator share every processor. By default (on Linux,"
                + " with taskset) the runtimes get the upper half of the processors and the"
                + " generator the lower half, as separate hosts would.")
    boolean sharedCores;

    @Option(
        names = "--runtime-jvm-option",
        paramLabel = "OPTION",
        description =
            "An option of both runtimes' JVMs, repeatable; TIDEWAY_JAVA_OPTS reaches the"
                + " generator's only. To profile the runtimes:"
                + " -XX:StartFlightRecording=filename=DIR (a directory: a recording per process),"
                + " or -Xlog:gc:file=gc-%p.log.")
    List<String> runtimeJvmOptions = List.of();

    @Mixin PhaseOptions phases;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      QueryBenchmark.Settings settings;
      try {
        PlatformEndpoints endpoints = dataDir.endpoints("start it with tideway up");
        settings =
            new QueryBenchmark.Settings(
                endpoints.kafka().bootstrap(),
                endpoints.registry().url(),
                keys,
                rate,
                forwardedRate,
                concurrency,
                warmup,
                phases.duration,
                !sharedCores,
                runtimeJvmOptions);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      QueryBenchmark benchmark =
          new QueryBenchmark(settings, line -> ScenarioCommand.print(out, line));
      QueryBenchmark.Report report = stoppingOnCtrlC(benchmark::stop, benchmark::run);
      report.lines().forEach(out::println);
      if (phases.json != null) {
        ObjectMapper mapper = new ObjectMapper();
        writeReport(
            phases.json,
            settings,
            Map.of(
                "local", mapper.readTree(report.local().toJson()),
                "forwarded", mapper.readTree(report.forwarded().toJson()),
                "localKeys", report.localKeys(),
                "forwardedKeys", report.forwardedKeys(),
                "localServer", report.localServer(),
                "cores", report.cores()),
            Map.of(
                "localPasses", report.localPasses(),
                "forwardedPasses", report.forwardedPasses()));
        out.println("Results written to " + phases.json);
      }
      out.flush();
      if (report.local().stoppedEarly() || report.forwarded().stoppedEarly()) {
        spec.commandLine().getErr().println(spec.qualifiedName() + ": stopped before the end");
        spec.commandLine().getErr().flush();
        return 1;
      }
      return 0;
    }
  }

  @Command(
      name = "serde",
      mixinStandardHelpOptions = true,
      description = {
        "JMH benchmark of our Avro serde against plain Avro for an OrderPlaced event with three"
            + " lines: serialize + deserialize, serialize only and deserialize only, average time"
            + " per operation in forked JVMs. Prints each figure with its error, then the ratio"
            + " ours/plain against the target of at most "
            + SerdeComparison.TARGET_RATIO
            + "x. Takes 2 to 3 minutes; --quick about half a minute."
      })
  static final class Serde implements Callable<Integer> {

    @Spec CommandSpec spec;

    // Taken as by every command, so that the log file goes where the others put it.
    @Mixin DataDirOption dataDir;

    @Option(
        names = "--quick",
        description = "One fork and a few short iterations: a try-out, with wide errors.")
    boolean quick;

    @Option(
        names = "--prof",
        paramLabel = "PROFILER",
        description =
            "JMH profiler to run alongside, e.g. gc (allocation per operation) or stack;"
                + " repeatable.")
    List<String> profilers = new ArrayList<>();

    @Option(
        names = "--json",
        paramLabel = "FILE",
        description =
            "Also write the results as JSON: JMH's own results, the ratios and the machine.")
    Path json;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      String command = spec.qualifiedName();
      // The forks load the same logging configuration; told nothing, they would log to ./logs.
      SerdeBenchmarks.Settings settings =
          new SerdeBenchmarks.Settings(
              quick ? SerdeBenchmarks.Shape.QUICK : SerdeBenchmarks.Shape.FULL,
              profilers,
              List.of("-Dtideway.log.dir=" + CommandLogs.file().toAbsolutePath().getParent()));
      SerdeBenchmarks.Outcome outcome;
      out.flush();
      try {
        // JMH writes to a stream: its progress and its table go straight to standard output.
        outcome = SerdeBenchmarks.run(settings, System.out);
      } catch (RunnerException e) {
        CommandLogs.log().info("{} failed", command, e);
        err.println(
            command
                + ": the benchmark failed: "
                + rootMessage(e)
                + " (details in "
                + CommandLogs.file()
                + ")");
        err.flush();
        return 1;
      }
      System.out.flush();
      out.println();
      outcome.comparison().lines().forEach(out::println);
      if (json != null) {
        outcome
            .comparison()
            .writeJson(json, settings.asMap(), outcome.jmhJson(), Machine.current());
        out.println("Results written to " + json);
      }
      out.flush();
      return 0;
    }

    private static String rootMessage(Throwable e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      return root.getMessage() == null ? root.toString() : root.getMessage();
    }
  }

  /** Reads durations such as {@code 30s} or {@code 2m}. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return DurationText.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
