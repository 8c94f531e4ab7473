package io.tideway.cli;

import io.tideway.deploy.embedded.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A topology runtime in a JVM of its own ({@code tideway runtime}), so a test can kill it with
 * SIGKILL and start it again on the same state directory, which runs its deployments again.
 */
final class SagaRuntimeProcess implements AutoCloseable {

  private final List<String> command;
  private final Path log;
  private final String url;
  private final HttpClient http = HttpClient.newHttpClient();
  private Process process;

  private SagaRuntimeProcess(List<String> command, Path log, String url) {
    this.command = command;
    this.log = log;
    this.url = url;
  }

  /** Starts a runtime on Kafka and the registry, keeping its state and log under {@code dir}. */
  static SagaRuntimeProcess start(String bootstrap, String registry, Path dir) throws IOException {
    int port = LoopbackPorts.pickFree();
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx384m",
            "-cp",
            PlatformProcess.shippedClassPath(),
            Tideway.class.getName(),
            "runtime",
            "--bootstrap-server",
            bootstrap,
            "--registry-url",
            registry,
            "--port",
            String.valueOf(port),
            "--state-dir",
            dir.resolve("state").toString(),
            "--instance-name",
            "killable");
    SagaRuntimeProcess runtime =
        new SagaRuntimeProcess(command, dir.resolve("runtime.log"), "http://127.0.0.1:" + port);
    runtime.launch();
    return runtime;
  }

  String url() {
    return url;
  }

  /** SIGKILL: no shutdown hook, no commit, no leaving the group; then the same command again. */
  void killAndRestart() throws IOException, InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
    launch();
  }

  /** Waits until every deployment of the runtime runs. */
  void awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("The runtime ended; see " + log);
      }
      try {
        HttpResponse<String> ready =
            http.send(
                HttpRequest.newBuilder(URI.create(url + "/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("The runtime was not ready within " + timeout + "; see " + log);
  }

  private void launch() throws IOException {
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
