package io.tideway.cli;

import static org.awaitility.Awaitility.await;

import io.tideway.deploy.embedded.LoopbackPorts;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/** {@code tideway up} in a JVM of its own, as an operator runs it. */
final class PlatformProcess implements AutoCloseable {

  private final Process process;
  private final List<String> output = new CopyOnWriteArrayList<>();
  private final Thread reader;

  private PlatformProcess(Process process) {
    this.process = process;
    reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  output.add(line);
                }
              } catch (IOException e) {
                output.add("(output closed: " + e + ")");
              }
            },
            "platform-output");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * The class path the launcher runs the CLI with: the packaged jar and the libraries packaged
   * beside it, not the tests' class path, so that a dependency the package lacks fails here.
   */
  static String shippedClassPath() {
    Path jar = Path.of("target", "tideway-cli.jar").toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: these tests run after 'package'");
    }
    return jar + File.pathSeparator + jar.resolveSibling("lib") + File.separator + "*";
  }

  static PlatformProcess start(Path dataDir, int kafkaPort, int postgresPort, String... extra)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(shippedClassPath());
    command.add(Tideway.class.getName());
    command.add("up");
    command.add("--data-dir");
    command.add(dataDir.toString());
    command.add("--kafka-port");
    command.add(String.valueOf(kafkaPort));
    command.add("--postgres-port");
    command.add(String.valueOf(postgresPort));
    // The system may hand out a port it handed out a moment ago: each part gets one of its own.
    Set<Integer> taken = new HashSet<>(List.of(kafkaPort, postgresPort));
    for (String part : List.of("registry", "relay", "query", "customer", "order", "inventory")) {
      int port = LoopbackPorts.pickFree();
      while (!taken.add(port)) {
        port = LoopbackPorts.pickFree();
      }
      command.add("--" + part + "-port");
      command.add(String.valueOf(port));
    }
    command.addAll(List.of(extra));
    return new PlatformProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
  }

  /** Waits for the ready line and returns it. */
  String awaitReady() throws InterruptedException {
    try {
      await("Tideway is ready")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> readyLine().isPresent() || !process.isAlive());
    } catch (ConditionTimeoutException e) {
      List<String> lines = List.copyOf(output);
      throw new AssertionError(
          "Tideway was not ready within 120 s; its last lines:\n"
              + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())),
          e);
    }
    if (readyLine().isEmpty()) {
      reader.join(5_000);
      throw new IllegalStateException(
          "platform exited with code " + process.exitValue() + " before ready: " + output);
    }
    return readyLine().orElseThrow();
  }

  private Optional<String> readyLine() {
    return output.stream().filter(l -> l.startsWith("Tideway is ready")).findFirst();
  }

  /**
   * Sends SIGTERM, as a service manager would, and waits for the exit code. Sent with kill(1)
   * rather than {@link Process#destroy()}, which would also close the output still to be read.
   */
  int stop() throws InterruptedException, IOException {
    new ProcessBuilder("kill", "-TERM", String.valueOf(process.pid())).start().waitFor();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("platform did not stop within 60 s: " + output);
    }
    return process.exitValue();
  }

  ProcessHandle handle() {
    return process.toHandle();
  }

  List<String> output() {
    return output;
  }

  @Override
  public void close() throws InterruptedException, IOException {
    if (process.isAlive()) {
      stop();
    }
  }
}
