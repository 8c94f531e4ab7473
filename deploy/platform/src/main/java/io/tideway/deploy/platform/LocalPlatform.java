package io.tideway.deploy.platform;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tideway.deploy.PlatformEndpoints;
import io.tideway.deploy.embedded.EmbeddedKafka;
import io.tideway.deploy.embedded.EmbeddedPostgresServer;
import io.tideway.deploy.embedded.LoopbackPorts;
import io.tideway.outbox.OutboxMigration;
import io.tideway.outbox.relay.OutboxRelay;
import io.tideway.outbox.relay.OutboxSource;
import io.tideway.outbox.relay.RelayHttpEndpoint;
import io.tideway.outbox.relay.RelaySettings;
import io.tideway.schemas.registry.SchemaRegistryServer;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.topology.runtime.RuntimeSettings;
import io.tideway.topology.runtime.TopologyRuntime;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.commons.io.FileUtils;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole platform on one machine with nothing installed: a KRaft broker, a PostgreSQL server,
 * the schema registry and the outbox relay, their data under one directory that survives restarts.
 *
 * <p>Start-up checks its input before it starts anything, so a bad port or data directory ends in a
 * {@link PlatformSetupException} with nothing left running. {@link #close()} stops the parts in the
 * reverse order of their start.
 */
public final class LocalPlatform implements AutoCloseable {

  /** The reference services; each gets its own database and database user. */
  public static final List<String> SERVICES = List.of("customer", "order", "inventory");

  private static final Logger log = LoggerFactory.getLogger(LocalPlatform.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Settings settings;
  private final Consumer<String> progress;
  private final Deque<AutoCloseable> running = new ArrayDeque<>();
  private EmbeddedPostgresServer postgres;
  private EmbeddedKafka kafka;
  private PlatformEndpoints endpoints;

  /**
   * How to run the platform.
   *
   * @param dataDir where every part keeps its data
   * @param fresh wipe earlier data before starting
   * @param kafkaPort the broker's client port on loopback
   * @param postgresPort PostgreSQL's port on loopback
   * @param registryPort the schema registry's HTTP port on loopback
   * @param relayPort the outbox relay's health and metrics port on loopback, or {@code -1} to run
   *     no relay (one runs elsewhere, e.g. {@code tideway relay})
   * @param queryPort the topology runtime's port on loopback: deployments, interactive queries,
   *     health and metrics
   */
  public record Settings(
      Path dataDir,
      boolean fresh,
      int kafkaPort,
      int postgresPort,
      int registryPort,
      int relayPort,
      int queryPort) {
    public Settings {
      dataDir = dataDir.toAbsolutePath().normalize();
    }
  }

  /**
   * @param settings how to run it
   * @param progress receives one line per start-up step, for the operator
   */
  public LocalPlatform(Settings settings, Consumer<String> progress) {
    this.settings = settings;
    this.progress = progress;
  }

  /**
   * Starts every part and returns once each answers. On failure, what was started is stopped again.
   *
   * @throws PlatformSetupException when the settings cannot work; nothing is left running
   */
  public synchronized void start() throws Exception {
    if (!running.isEmpty()) {
      throw new IllegalStateException("platform already started");
    }
    try {
      startParts();
    } catch (Exception | Error e) {
      try {
        close();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * The outbox sources of a platform running on a data directory: each service's database, reached
   * as the service's own user, for a relay run outside the platform ({@code tideway relay}).
   */
  public static List<OutboxSource> outboxSources(Path dataDir, PlatformEndpoints endpoints)
      throws IOException {
    Map<String, String> passwords = ServiceDatabases.passwords(dataDir, SERVICES);
    String serverUrl = endpoints.postgres().jdbcUrl();
    String serverPrefix = serverUrl.substring(0, serverUrl.lastIndexOf('/') + 1);
    List<OutboxSource> sources = new ArrayList<>();
    passwords.forEach(
        (service, password) ->
            sources.add(
                OutboxSource.fromJdbcUrl(service, serverPrefix + service, service, password)));
    return sources;
  }

  /** Where each part answers. */
  public PlatformEndpoints endpoints() {
    return endpoints;
  }

  /** The broker. */
  public EmbeddedKafka kafka() {
    return kafka;
  }

  /** The PostgreSQL server. */
  public EmbeddedPostgresServer postgres() {
    return postgres;
  }

  /** Stops every part that was started, last started first, and releases the data directory. */
  @Override
  public synchronized void close() throws Exception {
    Exception failure = null;
    while (!running.isEmpty()) {
      AutoCloseable part = running.pop();
      try {
        part.close();
      } catch (Exception e) {
        log.error("Failed to stop {}", part, e);
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void startParts() throws Exception {
    Path dataDir = settings.dataDir();
    prepareDataDirectory(dataDir);
    running.push(DataDirectoryLock.acquire(dataDir));
    EmbeddedPostgresServer.stopOrphan(dataDir.resolve("postgres"), START_TIMEOUT)
        .ifPresent(
            pid ->
                progress.accept("Stopped PostgreSQL (pid " + pid + ") left by a killed platform"));
    checkPorts();
    if (settings.fresh()) {
      wipe(dataDir);
    }

    long start = System.nanoTime();
    progress.accept("Starting PostgreSQL on 127.0.0.1:" + settings.postgresPort() + " ...");
    postgres = new EmbeddedPostgresServer(dataDir.resolve("postgres"), settings.postgresPort());
    postgres.start(START_TIMEOUT);
    running.push(postgres);
    Map<String, String> passwords = new ServiceDatabases(postgres, dataDir).ensure(SERVICES);
    List<OutboxSource> outboxes = migrateOutboxes(passwords);
    progress.accept("PostgreSQL is up (" + seconds(start) + ")");

    start = System.nanoTime();
    progress.accept("Starting Kafka on 127.0.0.1:" + settings.kafkaPort() + " ...");
    kafka =
        new EmbeddedKafka(
            dataDir.resolve("kafka"), settings.kafkaPort(), controllerPort(), Map.of());
    kafka.start(START_TIMEOUT);
    running.push(kafka);
    progress.accept("Kafka is up (" + seconds(start) + ")");

    start = System.nanoTime();
    progress.accept(
        "Starting the schema registry on 127.0.0.1:" + settings.registryPort() + " ...");
    SchemaRegistryServer registry =
        new SchemaRegistryServer(
            SchemaRegistryServer.Settings.of(kafka.bootstrapServers())
                .withPort(settings.registryPort()));
    registry.start();
    running.push(registry);
    progress.accept("Schema registry is up (" + seconds(start) + ")");

    PlatformEndpoints.Http relay = null;
    if (settings.relayPort() != -1) {
      start = System.nanoTime();
      progress.accept("Starting the outbox relay for " + SERVICES + " ...");
      relay = new PlatformEndpoints.Http(startRelay(outboxes));
      progress.accept("Outbox relay is streaming (" + seconds(start) + ")");
    }

    start = System.nanoTime();
    progress.accept("Starting the topology runtime on 127.0.0.1:" + settings.queryPort() + " ...");
    TopologyRuntime runtime =
        TopologyRuntime.start(
            RuntimeSettings.of(kafka.bootstrapServers(), dataDir.resolve("runtime"))
                .withHttp("127.0.0.1", settings.queryPort())
                .withInstanceName("local")
                .withReplicationFactor((short) 1)
                .withDeploymentDefaults(
                    Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url())),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    running.push(runtime);
    progress.accept("Topology runtime is up (" + seconds(start) + ")");

    endpoints =
        new PlatformEndpoints(
            new PlatformEndpoints.Kafka(kafka.bootstrapServers()),
            new PlatformEndpoints.Postgres(
                postgres.jdbcUrl("postgres"), EmbeddedPostgresServer.SUPERUSER),
            new PlatformEndpoints.Http(registry.url()),
            relay,
            new PlatformEndpoints.Http(runtime.url()),
            Map.of());
    endpoints.writeTo(dataDir);
    running.push(() -> PlatformEndpoints.deleteFrom(dataDir));
  }

  /**
   * Creates each service's outbox table and publication, as the service's own user so that the
   * service owns them, before anything can write an event.
   */
  private List<OutboxSource> migrateOutboxes(Map<String, String> passwords) {
    List<OutboxSource> sources = new ArrayList<>();
    passwords.forEach(
        (service, password) -> {
          OutboxSource source =
              OutboxSource.fromJdbcUrl(service, postgres.jdbcUrl(service), service, password);
          PGSimpleDataSource dataSource = new PGSimpleDataSource();
          dataSource.setUrl(source.jdbcUrl());
          dataSource.setUser(source.user());
          dataSource.setPassword(source.password());
          OutboxMigration.migrate(dataSource);
          sources.add(source);
        });
    return sources;
  }

  /** Starts the relay and its HTTP endpoint, and waits until every source streams. */
  private String startRelay(List<OutboxSource> sources) throws Exception {
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    OutboxRelay relay =
        OutboxRelay.start(
            RelaySettings.of(kafka.bootstrapServers(), sources).withTopicLayout(3, (short) 1),
            meters);
    running.push(relay);
    RelayHttpEndpoint http = RelayHttpEndpoint.start(relay, meters, settings.relayPort());
    running.push(http);
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!relay.health().streaming()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "The outbox relay did not stream within "
                + START_TIMEOUT.toSeconds()
                + " s: "
                + relay.health().sources());
      }
      Thread.sleep(100);
    }
    return http.url();
  }

  private static void prepareDataDirectory(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
      Files.delete(Files.createTempFile(dataDir, ".write-probe", ""));
    } catch (FileSystemException e) {
      throw new PlatformSetupException(
          "Data directory "
              + dataDir
              + " is not writable ("
              + describe(e)
              + "): choose another with --data-dir");
    } catch (IOException e) {
      throw new PlatformSetupException(
          "Data directory "
              + dataDir
              + " is not writable ("
              + e.getMessage()
              + "): choose another with --data-dir");
    }
  }

  private static String describe(FileSystemException e) {
    String reason = e.getReason() == null ? e.getClass().getSimpleName() : e.getReason();
    return e.getFile() + ": " + reason;
  }

  /**
   * A free port for the broker's controller listener that none of the platform's other parts is set
   * to take: those are free too until their part binds them, so the system may offer one.
   */
  private int controllerPort() {
    Set<Integer> taken =
        new HashSet<>(
            List.of(
                settings.kafkaPort(),
                settings.postgresPort(),
                settings.registryPort(),
                settings.relayPort(),
                settings.queryPort()));
    int port = LoopbackPorts.pickFree();
    while (taken.contains(port)) {
      port = LoopbackPorts.pickFree();
    }
    return port;
  }

  private void checkPorts() {
    Set<Integer> ports =
        new HashSet<>(
            List.of(
                settings.kafkaPort(),
                settings.postgresPort(),
                settings.registryPort(),
                settings.queryPort()));
    boolean relay = settings.relayPort() != -1;
    if (relay) {
      ports.add(settings.relayPort());
    }
    if (ports.size() < (relay ? 5 : 4)) {
      throw new PlatformSetupException(
          "Kafka, PostgreSQL, the schema registry, the outbox relay and the topology runtime need"
              + " a port each: change --kafka-port, --postgres-port, --registry-port,"
              + " --relay-port or --query-port");
    }
    checkPort(settings.kafkaPort(), "Kafka", "--kafka-port");
    checkPort(settings.postgresPort(), "PostgreSQL", "--postgres-port");
    checkPort(settings.registryPort(), "the schema registry", "--registry-port");
    if (relay) {
      checkPort(settings.relayPort(), "the outbox relay", "--relay-port");
    }
    checkPort(settings.queryPort(), "the topology runtime", "--query-port");
  }

  private static void checkPort(int port, String part, String flag) {
    if (!LoopbackPorts.isFree(port)) {
      throw new PlatformSetupException(
          "Port " + port + " for " + part + " is already in use: choose another with " + flag);
    }
  }

  /** Removes earlier data, keeping the lock (held by us) and the logs. */
  private static void wipe(Path dataDir) throws IOException {
    try (Stream<Path> children = Files.list(dataDir)) {
      for (Path child : children.toList()) {
        String name = child.getFileName().toString();
        if (!name.equals(DataDirectoryLock.FILE_NAME) && !name.equals("logs")) {
          FileUtils.forceDelete(child.toFile());
        }
      }
    }
  }

  private static String seconds(long startNanos) {
    return String.format("%.1f s", (System.nanoTime() - startNanos) / 1e9);
  }
}
