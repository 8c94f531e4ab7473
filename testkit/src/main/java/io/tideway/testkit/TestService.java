package io.tideway.testkit;

import io.tideway.deploy.embedded.LoopbackPorts;
import io.tideway.deploy.embedded.ServiceProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A reference service started from the executable jar its module builds ({@code
 * target/tideway-service-<name>-*-exec.jar}, there once the module is packaged, before its
 * integration tests run), as a process of its own on the test's database and broker, the way the
 * platform runs it. Stopped when closed.
 *
 * <pre>{@code
 * try (TestService orders = TestService.start("order", db, registryUrl, kafka, Map.of())) {
 *   HttpResponse<String> created = orders.post("/orders", "{...}");
 * }
 * }</pre>
 */
public final class TestService implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final ServiceProcess process;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private TestService(ServiceProcess process) {
    this.process = process;
  }

  /**
   * Starts the service and waits until it is ready.
   *
   * @param name the service, e.g. {@code order}
   * @param db its database
   * @param registryUrl the schema registry its outbox serializes against
   * @param kafka the broker its listeners read
   * @param settings more of its settings, as environment variables (e.g. {@code
   *     SPRING_KAFKA_CONSUMER_GROUP_ID})
   */
  public static TestService start(
      String name,
      TestDatabase db,
      String registryUrl,
      TestKafka kafka,
      Map<String, String> settings)
      throws IOException, InterruptedException {
    return start(name, db, registryUrl, kafka, settings, LoopbackPorts.pickFree());
  }

  /**
   * Starts the service on a given HTTP port and waits until it is ready: again where it ran, as a
   * supervisor restarts it, so that it takes its consumer group's members back at once.
   */
  public static TestService start(
      String name,
      TestDatabase db,
      String registryUrl,
      TestKafka kafka,
      Map<String, String> settings,
      int port)
      throws IOException, InterruptedException {
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("SPRING_DATASOURCE_URL", db.jdbcUrl());
    environment.put("SPRING_DATASOURCE_USERNAME", db.user());
    environment.put("SPRING_DATASOURCE_PASSWORD", db.password());
    environment.put("SPRING_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    environment.put("TIDEWAY_SERVICE_REGISTRY_URL", registryUrl);
    environment.putAll(settings);
    ServiceProcess process =
        ServiceProcess.start(
            new ServiceProcess.Settings(
                name,
                executableJar(name),
                port,
                environment,
                List.of("-Xmx256m", "-XX:+UseSerialGC"),
                Path.of("target", "service-logs", name + "-" + db.name() + ".log")));
    try {
      process.awaitReady(START_TIMEOUT);
    } catch (RuntimeException | InterruptedException e) {
      process.close();
      throw e;
    }
    return new TestService(process);
  }

  /** The service's HTTP port. */
  public int port() {
    return URI.create(process.url()).getPort();
  }

  /** The service's base URL. */
  public String url() {
    return process.url();
  }

  /** {@code GET path}. */
  public HttpResponse<String> get(String path) {
    return send(request(path).GET().build());
  }

  /** {@code POST path} with a JSON body. */
  public HttpResponse<String> post(String path, String json) {
    return send(request(path, "Content-Type", "application/json").POST(body(json)).build());
  }

  /** {@code PUT path} with a JSON body and more headers, as name, value, name, value, .... */
  public HttpResponse<String> put(String path, String json, String... headers) {
    return send(
        request(path, concat("Content-Type", "application/json", headers)).PUT(body(json)).build());
  }

  /** Any request to the service, built with {@link #request}. */
  public HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** A request builder for a path of the service, with headers as name, value, .... */
  public HttpRequest.Builder request(String path, String... headers) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(url() + path)).timeout(REQUEST_TIMEOUT);
    if (headers.length > 0) {
      builder.headers(headers);
    }
    return builder;
  }

  /** Kills the service's process at once ({@code kill -9}): no shutdown, no last commit. */
  public void kill() throws InterruptedException {
    ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
    while (process.isAlive()) {
      Thread.sleep(20);
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.close();
  }

  private static HttpRequest.BodyPublisher body(String json) {
    return HttpRequest.BodyPublishers.ofString(json);
  }

  private static String[] concat(String name, String value, String... more) {
    String[] all = new String[more.length + 2];
    all[0] = name;
    all[1] = value;
    System.arraycopy(more, 0, all, 2, more.length);
    return all;
  }

  private static Path executableJar(String name) throws IOException {
    String prefix = "tideway-service-" + name + "-";
    try (Stream<Path> files = Files.list(Path.of("target"))) {
      return files
          .filter(
              f ->
                  f.getFileName().toString().startsWith(prefix)
                      && f.getFileName().toString().endsWith("-exec.jar"))
          .findFirst()
          .orElseThrow(
              () ->
                  new IllegalStateException(
                      "No executable jar of the "
                          + name
                          + " service in target: integration tests run after the package phase"));
    }
  }
}
