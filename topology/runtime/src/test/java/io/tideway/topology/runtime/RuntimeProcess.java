package io.tideway.topology.runtime;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tideway.fixtures.StockLevels;
import io.tideway.topology.DeploymentContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A topology runtime in a JVM of its own, so a test can kill it with SIGKILL. The child starts a
 * runtime, deploys one jar, prints {@value #READY}, and runs until killed or until its standard
 * input closes (so it never outlives the test JVM).
 */
final class RuntimeProcess implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RuntimeProcess.class);
  private static final String READY = "runtime-process: ready";

  private final String name;
  private final Process process;
  private volatile boolean ready;

  private RuntimeProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    Thread output = new Thread(this::readOutput, name + "-output");
    output.setDaemon(true);
    output.start();
  }

  /**
   * Starts a child running a runtime on {@code port} with one deployment of {@code jar}.
   *
   * @param ledger the topic the fixture reads, on this test's broker
   */
  static RuntimeProcess start(
      String name, String bootstrap, Path stateDir, int port, Path jar, String ledger, String run)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-Xmx384m", "-cp", System.getProperty("java.class.path")));
    command.add("-D" + StockLevels.RUN_PROPERTY + "=" + run);
    command.add(RuntimeProcess.class.getName());
    command.addAll(
        List.of(
            name, bootstrap, stateDir.toString(), String.valueOf(port), jar.toString(), ledger));
    return new RuntimeProcess(name, new ProcessBuilder(command).redirectErrorStream(true).start());
  }

  boolean ready() {
    return ready;
  }

  /** SIGKILL: no shutdown hook, no commit, no leave-group. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  private void readOutput() {
    try (BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.equals(READY)) {
          ready = true;
        }
        log.info("[{}] {}", name, line);
      }
    } catch (IOException e) {
      log.debug("{} output ended: {}", name, e.toString());
    }
  }

  /** The child: {@code name bootstrap stateDir port jar ledgerTopic}. */
  public static void main(String[] args) throws Exception {
    TopologyRuntime runtime =
        TopologyRuntime.start(
            RuntimeSettings.of(args[1], Path.of(args[2]))
                .withHttp("127.0.0.1", Integer.parseInt(args[3]))
                .withInstanceName(args[0])
                .withStandbyReplicas(1),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    Runtime.getRuntime().addShutdownHook(new Thread(runtime::close));
    runtime.deploy(
        Path.of(args[4]),
        Map.of(
            DeploymentContext.TOPIC_RENAME_PREFIX + "ledger",
            args[5],
            "commit.interval.ms",
            "100",
            // A killed member is noticed within seconds, not the default 45.
            "consumer.session.timeout.ms",
            "6000"),
        1,
        false,
        false);
    System.out.println(READY);
    System.out.flush();
    while (System.in.read() != -1) {
      Thread.onSpinWait();
    }
    runtime.close();
  }
}
