package io.tideway.deploy.embedded;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Spring Boot service run from its executable jar as a child process on loopback, its output in a
 * log file of its own. Each service has a class path of its own this way, as it would have in
 * production, and cannot clash with the platform's libraries.
 *
 * <p>Settings reach the service as environment variables (Spring Boot's relaxed binding), so that
 * passwords never show in a process listing. The service is told this process's id and ends when
 * this process does, even when it is killed with {@code kill -9}.
 */
public final class ServiceProcess implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ServiceProcess.class);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

  /** A start time the system does not tell: such a process is never taken for a left-over one. */
  private static final String UNKNOWN = "unknown";

  private final String name;
  private final Process process;
  private final int port;
  private final Path logFile;

  /** Where the process is recorded for a platform started after this one was killed; or null. */
  private Path pidFile;

  /**
   * How to run a service.
   *
   * @param name the service's name, for messages
   * @param jar its executable jar
   * @param port the HTTP port on loopback
   * @param environment its settings, such as {@code SPRING_DATASOURCE_URL}
   * @param jvmOptions options of its JVM, such as {@code -Xmx256m}
   * @param logFile where its output goes (appended)
   */
  public record Settings(
      String name,
      Path jar,
      int port,
      Map<String, String> environment,
      List<String> jvmOptions,
      Path logFile) {}

  private ServiceProcess(String name, Process process, int port, Path logFile) {
    this.name = name;
    this.process = process;
    this.port = port;
    this.logFile = logFile;
  }

  /** Starts the service's process; {@link #awaitReady} waits until it serves. */
  public static ServiceProcess start(Settings settings) throws IOException {
    if (!Files.isRegularFile(settings.jar())) {
      throw new IOException(
          "No executable jar for the " + settings.name() + " service at " + settings.jar());
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(settings.jvmOptions());
    command.add("-jar");
    command.add(settings.jar().toString());
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = new LinkedHashMap<>(settings.environment());
    env.put("SERVER_ADDRESS", "127.0.0.1");
    env.put("SERVER_PORT", Integer.toString(settings.port()));
    env.put("TIDEWAY_SERVICE_PARENT_PID", Long.toString(ProcessHandle.current().pid()));
    builder.environment().putAll(env);
    Files.createDirectories(settings.logFile().toAbsolutePath().getParent());
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(settings.logFile().toFile()));
    Process process = builder.start();
    log.info("Started the {} service, pid {}", settings.name(), process.pid());
    return new ServiceProcess(settings.name(), process, settings.port(), settings.logFile());
  }

  /**
   * Waits until the service reports itself ready ({@code /actuator/health/readiness}).
   *
   * @throws IllegalStateException when it ends or is not ready in time, with the end of its log
   */
  public void awaitReady(Duration timeout) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest readiness =
        HttpRequest.newBuilder(URI.create(url() + "/actuator/health/readiness"))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "The "
                + name
                + " service ended with exit code "
                + process.exitValue()
                + " before it was ready; the end of "
                + logFile
                + ":\n"
                + tail());
      }
      try {
        if (http.send(readiness, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // Not listening yet.
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "The "
                + name
                + " service was not ready within "
                + timeout.toSeconds()
                + " s; the end of "
                + logFile
                + ":\n"
                + tail());
      }
      Thread.sleep(200);
    }
  }

  /** The service's base URL. */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** The service's process id. */
  public long pid() {
    return process.pid();
  }

  /** Whether the process still runs. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Asks the service to stop (SIGTERM), without waiting: {@link #close} waits. */
  public void askToStop() {
    process.toHandle().destroy();
  }

  /**
   * Asks the service to stop (SIGTERM: Spring Boot finishes its requests and listeners first) and
   * kills it if it has not ended within 20 s.
   */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.toHandle().destroy();
      awaitStop(process.toHandle(), name);
    }
    if (pidFile != null) {
      try {
        Files.deleteIfExists(pidFile);
      } catch (IOException e) {
        log.warn("Could not delete {}: {}", pidFile, e.toString());
      }
    }
  }

  /**
   * Records the process in a file, its pid and start time, so that a platform started after this
   * one was killed ({@code kill -9}) can stop it ({@link #stopLeftOver}) rather than find its port
   * taken: the service ends by itself once it sees this process gone, but only after its start-up,
   * and up to seconds later. {@link #close} removes the file.
   */
  public void recordIn(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, process.pid() + " " + startTime(process.toHandle()) + "\n");
    pidFile = file;
  }

  /**
   * Stops the services a killed platform left running, as their files ({@link #recordIn}) name
   * them, and removes the files. A process that has ended since, or whose pid another process has
   * taken since (its start time differs), is left alone. All are asked to stop at once: one killed
   * while it started stops only once it has started, which may take as long as its start.
   *
   * @param files each service's name and its file
   * @return each service stopped, by name, with the pid it had
   */
  public static Map<String, Long> stopLeftOver(Map<String, Path> files)
      throws IOException, InterruptedException {
    Map<String, ProcessHandle> leftOver = new LinkedHashMap<>();
    for (Map.Entry<String, Path> service : files.entrySet()) {
      if (Files.exists(service.getValue())) {
        String[] recorded = Files.readString(service.getValue()).trim().split(" ");
        if (recorded.length == 2 && !recorded[1].equals(UNKNOWN)) {
          ProcessHandle.of(Long.parseLong(recorded[0]))
              .filter(ProcessHandle::isAlive)
              .filter(process -> startTime(process).equals(recorded[1]))
              .ifPresent(process -> leftOver.put(service.getKey(), process));
        }
      }
    }
    leftOver.forEach(
        (name, process) -> {
          log.info(
              "Stopping the {} service (pid {}) left by a killed platform", name, process.pid());
          process.destroy();
        });
    Map<String, Long> stopped = new LinkedHashMap<>();
    for (Map.Entry<String, ProcessHandle> service : leftOver.entrySet()) {
      awaitStop(service.getValue(), service.getKey());
      stopped.put(service.getKey(), service.getValue().pid());
    }
    for (Path file : files.values()) {
      Files.deleteIfExists(file);
    }
    return stopped;
  }

  private static String startTime(ProcessHandle process) {
    return process.info().startInstant().map(Object::toString).orElse(UNKNOWN);
  }

  /** Waits for a process asked to stop; kills it when it does not. */
  private static void awaitStop(ProcessHandle process, String name) throws InterruptedException {
    try {
      process.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      log.warn("The {} service did not stop within {} s; killing it", name, STOP_TIMEOUT);
      process.destroyForcibly();
      try {
        process.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException stillThere) {
        throw new IllegalStateException(
            "The " + name + " service (pid " + process.pid() + ") did not end", stillThere);
      }
    }
  }

  @Override
  public String toString() {
    return "the " + name + " service (pid " + process.pid() + ")";
  }

  private String tail() {
    try {
      List<String> lines = Files.readAllLines(logFile);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }
}
