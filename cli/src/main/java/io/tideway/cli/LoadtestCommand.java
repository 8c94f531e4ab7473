package io.tideway.cli;

import io.tideway.loadtest.DurationText;
import io.tideway.loadtest.Guarantee;
import io.tideway.loadtest.LoadSettings;
import io.tideway.loadtest.LoadTest;
import io.tideway.loadtest.LoadTestException;
import io.tideway.loadtest.LoadTestResult;
import io.tideway.loadtest.PassthroughScenario;
import io.tideway.loadtest.ProduceScenario;
import io.tideway.loadtest.Scenario;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code tideway loadtest <scenario>}: an open-loop load test against the local platform, or any
 * broker, printed as kafka-producer-perf-test prints its results.
 */
@Command(
    name = "loadtest",
    mixinStandardHelpOptions = true,
    description = {
      "Load-test the platform: send records on an open-loop schedule and measure each one's"
          + " latency from the time it was meant to be sent, so stalls are not hidden"
          + " (coordinated omission is corrected).",
      "Progress every 5 s, then a summary in kafka-producer-perf-test's format. Each run creates"
          + " its own topics and deletes them at the end."
    },
    subcommands = {LoadtestCommand.Produce.class, LoadtestCommand.Passthrough.class})
final class LoadtestCommand {

  /** Options every scenario takes. */
  static final class RunOptions {

    @Option(
        names = "--bootstrap-server",
        paramLabel = "HOST:PORT",
        defaultValue = "${env:TIDEWAY_BOOTSTRAP_SERVER}",
        description =
            "Kafka to load (env TIDEWAY_BOOTSTRAP_SERVER; default: the local platform's, found"
                + " through --data-dir).")
    String bootstrapServer;

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
        names = "--record-size",
        paramLabel = "BYTES",
        defaultValue = "" + LoadSettings.DEFAULT_RECORD_SIZE,
        description = "Bytes per record value (default: ${DEFAULT-VALUE}).")
    int recordSize;

    @Option(
        names = "--warmup",
        paramLabel = "TIME",
        defaultValue = "5s",
        converter = DurationConverter.class,
        description =
            "Unmeasured sending before the measured phase; 0s for none (default: ${DEFAULT-VALUE}).")
    Duration warmup;

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

    @Option(
        names = "--json",
        paramLabel = "FILE",
        description =
            "Also write the results as JSON: settings, throughput, latencies and the whole"
                + " latency histogram (HdrHistogram, compressed, base64).")
    Path json;

    /** The load's shape; throws IllegalArgumentException naming a setting that cannot work. */
    LoadSettings loadSettings() {
      return new LoadSettings(
          rate,
          Optional.ofNullable(duration),
          records == null ? OptionalLong.empty() : OptionalLong.of(records),
          recordSize,
          warmup,
          topicPartitions);
    }
  }

  /** What every scenario subcommand does with its scenario: run it, print it, report it. */
  abstract static class ScenarioCommand implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin private DataDirOption dataDir;
    @Mixin RunOptions options;

    /** The scenario the options describe; throws IllegalArgumentException for bad options. */
    abstract Scenario scenario();

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      String command = spec.qualifiedName();
      LoadTest test;
      try {
        LoadSettings settings = options.loadSettings();
        Scenario scenario = scenario();
        scenario.check(settings);
        // Looked up last: a platform that is not running is the lesser news than bad options.
        test = new LoadTest(scenario, bootstrapServers(), settings, line -> print(out, line));
      } catch (IllegalArgumentException e) {
        err.println(command + ": " + e.getMessage());
        err.flush();
        return Tideway.BAD_INPUT;
      }
      CountDownLatch finished = new CountDownLatch(1);
      // On Ctrl-C the run stops sending and still deletes what it created before the JVM exits.
      Thread stopper =
          new Thread(
              () -> {
                test.stop();
                try {
                  finished.await(LoadTest.DRAIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "tideway-loadtest-stop");
      Runtime.getRuntime().addShutdownHook(stopper);
      try {
        return report(test.run(), out, err, command);
      } catch (LoadTestException e) {
        // The terminal gets the one line; the log file, below the terminal's threshold, the trace.
        CommandLogs.log().info("{} failed", command, e);
        err.println(command + ": " + e.getMessage() + " (details in " + CommandLogs.file() + ")");
        err.flush();
        return 1;
      } finally {
        finished.countDown();
        try {
          Runtime.getRuntime().removeShutdownHook(stopper);
        } catch (IllegalStateException shuttingDown) {
          // The hook is running: it waits for this run, which is over now.
        }
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
                + " measured records did not complete (none completed in the last "
                + DurationText.format(LoadTest.DRAIN_TIMEOUT)
                + ")");
        err.flush();
        return 1;
      }
      return 0;
    }

    private String bootstrapServers() {
      return options.bootstrapServer != null
          ? options.bootstrapServer
          : dataDir.endpoints("pass --bootstrap-server").kafka().bootstrap();
    }

    private static void print(PrintWriter out, String line) {
      out.println(line);
      out.flush();
    }
  }

  @Command(
      name = ProduceScenario.NAME,
      mixinStandardHelpOptions = true,
      description = {
        "The broker alone: a producer sends to a fresh topic; latency runs from each record's"
            + " intended send time to the broker's acknowledgement."
      })
  static final class Produce extends ScenarioCommand {
    @Override
    Scenario scenario() {
      return new ProduceScenario(options.producerProps);
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
  static final class Passthrough extends ScenarioCommand {

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
      return new PassthroughScenario(
          Guarantee.parse(guarantee), options.producerProps, streamsProps);
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
