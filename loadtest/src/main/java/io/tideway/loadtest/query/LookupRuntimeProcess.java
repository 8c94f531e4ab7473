package io.tideway.loadtest.query;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tideway.loadtest.LoadTestException;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.topology.runtime.RuntimeSettings;
import io.tideway.topology.runtime.TopologyRuntime;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A topology runtime in a JVM of its own, on this process's class path: the lookups' generator then
 * shares neither its heap, its garbage collector nor its JIT compiler with the servers it measures,
 * as a runtime's callers do not in production. The child runs until its standard input closes, so
 * it never outlives this process, even one killed with {@code kill -9}.
 */
final class LookupRuntimeProcess implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LookupRuntimeProcess.class);
  private static final String READY = "lookup-runtime ready at ";
  private static final Duration START_TIMEOUT = Duration.ofMinutes(1);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final String LOG_DIR_PROPERTY = "tideway.log.dir";

  private final String instance;
  private final Process process;
  private final CompletableFuture<String> url = new CompletableFuture<>();

  private LookupRuntimeProcess(String instance, Process process) {
    this.instance = instance;
    this.process = process;
    Thread output = new Thread(this::readOutput, "lookup-runtime-" + instance + "-output");
    output.setDaemon(true);
    output.start();
  }

  /**
   * Starts runtime {@code instance} and waits until it serves HTTP.
   *
   * @param stateDir its state directory
   * @param jvmOptions options of its JVM, such as a flight recording
   */
  static LookupRuntimeProcess start(
      String instance,
      String bootstrapServers,
      String registryUrl,
      Path stateDir,
      List<String> jvmOptions)
      throws IOException, LoadTestException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path")));
    String logDir = System.getProperty(LOG_DIR_PROPERTY);
    String logs = "this command's log";
    if (logDir != null) {
      // A log file of its own: two processes must not roll one file.
      Path own = Path.of(logDir, "query-runtime-" + instance);
      command.add("-D" + LOG_DIR_PROPERTY + "=" + own);
      logs += " and " + own;
    }
    command.add(LookupRuntimeProcess.class.getName());
    command.addAll(List.of(instance, bootstrapServers, registryUrl, stateDir.toString()));
    LookupRuntimeProcess child =
        new LookupRuntimeProcess(
            instance, new ProcessBuilder(command).redirectErrorStream(true).start());
    boolean served = false;
    try {
      child.url.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      served = true;
    } catch (ExecutionException | TimeoutException e) {
      // Output that ended comes just before the exit: wait for its code.
      child.process.waitFor(5, TimeUnit.SECONDS);
      String ended =
          child.process.isAlive()
              ? "did not serve within " + START_TIMEOUT.toSeconds() + " s"
              : "ended with exit code " + child.process.exitValue() + " before it served";
      throw new LoadTestException("Runtime " + instance + " " + ended + "; see " + logs, e);
    } finally {
      if (!served) {
        child.close();
      }
    }
    return child;
  }

  /** The child's process id. */
  long pid() {
    return process.pid();
  }

  /** The runtime's base URL. */
  String url() {
    return url.getNow(null);
  }

  /** Closes the child's standard input, so it stops its runtime, and waits for it to end. */
  @Override
  public void close() throws InterruptedException {
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      log.debug("Runtime {}'s input was already closed: {}", instance, e.toString());
    }
    if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      log.warn("Runtime {} did not stop within {}; killing it", instance, STOP_TIMEOUT);
      process.destroyForcibly().waitFor();
    }
  }

  private void readOutput() {
    try (BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.startsWith(READY)) {
          url.complete(line.substring(READY.length()));
        } else {
          log.info("[runtime {}] {}", instance, line);
        }
      }
    } catch (IOException e) {
      log.debug("Runtime {}'s output ended: {}", instance, e.toString());
    }
    url.completeExceptionally(new IOException("Runtime " + instance + " ended before it served"));
  }

  /** The child: {@code instance bootstrapServers registryUrl stateDir}. */
  public static void main(String[] args) throws Exception {
    TopologyRuntime runtime =
        TopologyRuntime.start(
            RuntimeSettings.of(args[1], Path.of(args[3]))
                .withHttp("127.0.0.1", 0)
                .withInstanceName(args[0])
                .withDeploymentDefaults(
                    Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, args[2])),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    System.out.println(READY + runtime.url());
    System.out.flush();
    while (System.in.read() != -1) {
      // Nothing is sent; the end of the input is the signal to stop.
    }
    runtime.close();
  }
}
