package io.tideway.loadtest.pipeline;

import io.tideway.deploy.embedded.ServiceProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Spring Modulith peer of the pipeline benchmark, run from its executable jar as a child
 * process on loopback: {@code POST /customers} as Tideway's customer service takes it, each
 * customer's {@code CustomerRegistered} recorded by Modulith's JDBC event publication registry in
 * the customer's transaction and externalized to {@value #TOPIC} after the commit, keyed by the
 * customer id.
 *
 * <p>Each answer names its event in {@value #EVENT_ID_RESPONSE_HEADER}; on Kafka the record carries
 * the same id in its {@value #EVENT_ID_RECORD_HEADER} header and as {@code id} in its JSON value,
 * and the time the customer was registered in its {@value #OCCURRED_AT_RECORD_HEADER} header (epoch
 * milliseconds as text).
 *
 * <pre>{@code
 * try (ScratchDatabase db = ScratchDatabase.create(platformJdbcUrl, "peer", "postgres", password);
 *     ModulithPeer peer = ModulithPeer.start(ModulithPeer.jarIn(referenceDir), db.url(), "postgres",
 *         password, bootstrapServers, 8095, logs.resolve("modulith-peer.log"))) {
 *   // POST peer.url() + "/customers", read peer.topic()
 * }
 * }</pre>
 */
public final class ModulithPeer implements AutoCloseable {

  /** The topic the peer publishes to; it creates it at start-up with three partitions. */
  public static final String TOPIC = "modulith-customer.events";

  /** The answer's header naming the event published for the request. */
  public static final String EVENT_ID_RESPONSE_HEADER = "Tideway-Event-Id";

  /**
   * The record header with the event id. Not {@code id} as on Tideway's records: Spring Messaging,
   * which Modulith's Kafka externalization sends through, reserves that name for a message id of
   * its own.
   */
  public static final String EVENT_ID_RECORD_HEADER = "eventId";

  /** The record header with when the event occurred, epoch milliseconds as text. */
  public static final String OCCURRED_AT_RECORD_HEADER = "occurredAt";

  /** How long {@link #start} waits for the peer to report itself ready. */
  public static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  /** The JVM options Tideway's reference services run with, so neither side gets more memory. */
  public static final List<String> JVM_OPTIONS =
      List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError");

  private static final String JAR_PREFIX = "tideway-loadtest-modulith-peer-";
  private static final String JAR_SUFFIX = "-exec.jar";

  private final ServiceProcess process;
  private final Path logFile;

  /**
   * How to run the peer.
   *
   * @param jar its executable jar, see {@link #jarIn}
   * @param jdbcUrl the JDBC URL of its database, one of its own
   * @param user the database user
   * @param password that user's password
   * @param bootstrapServers the Kafka brokers
   * @param port the HTTP port on loopback
   * @param logFile where its output goes (appended)
   * @param jvmOptions options of its JVM, {@link #JVM_OPTIONS} for a fair comparison
   */
  public record Settings(
      Path jar,
      String jdbcUrl,
      String user,
      String password,
      String bootstrapServers,
      int port,
      Path logFile,
      List<String> jvmOptions) {

    /** Checks the settings. */
    public Settings {
      if (port < 1 || port > 65_535) {
        throw new IllegalArgumentException("port must be between 1 and 65535, was " + port);
      }
      jvmOptions = List.copyOf(jvmOptions);
    }

    @Override
    public String toString() {
      return "Settings[jar="
          + jar
          + ", jdbcUrl="
          + jdbcUrl
          + ", user="
          + user
          + ", password=***, bootstrapServers="
          + bootstrapServers
          + ", port="
          + port
          + ", logFile="
          + logFile
          + ", jvmOptions="
          + jvmOptions
          + "]";
    }
  }

  private ModulithPeer(ServiceProcess process, Path logFile) {
    this.process = process;
    this.logFile = logFile;
  }

  /**
   * Starts the peer with {@link #JVM_OPTIONS} and returns once it serves.
   *
   * @throws IOException when the jar is missing or the process cannot be started
   * @throws IllegalStateException when it ends or is not ready within {@link #START_TIMEOUT}; the
   *     message names the log file and quotes its end
   */
  public static ModulithPeer start(
      Path jar,
      String jdbcUrl,
      String user,
      String password,
      String bootstrapServers,
      int port,
      Path logFile)
      throws IOException, InterruptedException {
    return start(
        new Settings(jar, jdbcUrl, user, password, bootstrapServers, port, logFile, JVM_OPTIONS));
  }

  /**
   * Starts the peer and returns once it serves ({@code /actuator/health/readiness} is UP).
   *
   * @throws IOException when the jar is missing or the process cannot be started
   * @throws IllegalStateException when it ends or is not ready within {@link #START_TIMEOUT}; the
   *     message names the log file and quotes its end
   */
  public static ModulithPeer start(Settings settings) throws IOException, InterruptedException {
    ServiceProcess process =
        ServiceProcess.start(
            new ServiceProcess.Settings(
                "modulith-peer",
                settings.jar(),
                settings.port(),
                Map.of(
                    "SPRING_DATASOURCE_URL", settings.jdbcUrl(),
                    "SPRING_DATASOURCE_USERNAME", settings.user(),
                    "SPRING_DATASOURCE_PASSWORD", settings.password(),
                    "SPRING_KAFKA_BOOTSTRAP_SERVERS", settings.bootstrapServers()),
                settings.jvmOptions(),
                settings.logFile()));
    try {
      process.awaitReady(START_TIMEOUT);
    } catch (RuntimeException | InterruptedException e) {
      process.close();
      throw e;
    }
    return new ModulithPeer(process, settings.logFile());
  }

  /**
   * The peer's executable jar in a directory, such as the CLI's {@code reference} directory.
   *
   * @throws IOException when the directory cannot be read or holds no such jar
   */
  public static Path jarIn(Path directory) throws IOException {
    if (!Files.isDirectory(directory)) {
      throw new IOException(
          "No directory "
              + directory
              + " to look for the Spring Modulith peer's "
              + JAR_PREFIX
              + "*"
              + JAR_SUFFIX
              + " in");
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .filter(
              f -> {
                String name = f.getFileName().toString();
                return name.startsWith(JAR_PREFIX) && name.endsWith(JAR_SUFFIX);
              })
          .sorted()
          .findFirst()
          .orElseThrow(
              () ->
                  new IOException(
                      "No "
                          + JAR_PREFIX
                          + "*"
                          + JAR_SUFFIX
                          + " in "
                          + directory
                          + ": the Spring Modulith peer is built by the module"
                          + " loadtest/modulith-peer"));
    }
  }

  /** The peer's base URL, such as {@code http://127.0.0.1:8095}. */
  public String url() {
    return process.url();
  }

  /** The topic the peer publishes {@code CustomerRegistered} to: {@value #TOPIC}. */
  public String topic() {
    return TOPIC;
  }

  /** Where the peer's output goes. */
  public Path logFile() {
    return logFile;
  }

  /** The peer's process id. */
  public long pid() {
    return process.pid();
  }

  /** Whether the peer's process still runs. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Stops the peer gracefully (SIGTERM), killing it if it has not ended within 20 s. Publications
   * still incomplete stay in its registry and are sent again when it next starts.
   */
  @Override
  public void close() throws InterruptedException {
    process.close();
  }

  @Override
  public String toString() {
    return "the Spring Modulith peer at " + url() + " (pid " + pid() + ", log " + logFile + ")";
  }
}
