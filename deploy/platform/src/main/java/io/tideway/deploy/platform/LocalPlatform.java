package io.tideway.deploy.platform;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tideway.deploy.PlatformEndpoints;
import io.tideway.deploy.embedded.EmbeddedKafka;
import io.tideway.deploy.embedded.EmbeddedPostgresServer;
import io.tideway.deploy.embedded.LoopbackPorts;
import io.tideway.deploy.embedded.ServiceProcess;
import io.tideway.outbox.OutboxMigration;
import io.tideway.outbox.relay.OutboxRelay;
import io.tideway.outbox.relay.OutboxSource;
import io.tideway.outbox.relay.RelayHttpEndpoint;
import io.tideway.outbox.relay.RelaySettings;
import io.tideway.schemas.registry.SchemaRegistryServer;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.topics.Topics;
import io.tideway.topology.runtime.DeploymentException;
import io.tideway.topology.runtime.RuntimeSettings;
import io.tideway.topology.runtime.TopologyRuntime;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.commons.io.FileUtils;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole platform on one machine with nothing installed: a KRaft broker, a PostgreSQL server,
 * the schema registry, the outbox relay, the topology runtime, and the reference system (the
 * customer, order and inventory services, each a process of its own, and the reference projections
 * on the runtime), their data under one directory that survives restarts.
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

  /** The data directory's folder of logs, kept by {@code --fresh}. */
  private static final String LOGS = "logs";

  /** What {@code tideway runtime} names its state directory by default: {@code runtime-<port>}. */
  private static final String RUNTIME_STATE = "runtime-\\d+";

  private static final String KEPT_RUNTIME_STATE =
      ", the state of a `tideway runtime`: delete it yourself if that runtime ran on this"
          + " platform";

  /** How the file name of the reference projections' jar starts. */
  private static final String PROJECTIONS_JAR = "tideway-projections-";

  private static final String LEFT_BY_KILLED_PLATFORM = " left by a killed platform";

  /**
   * A service needs little heap; the serial collector suits a small heap on a machine of few cores,
   * and a service out of memory is better ended than left half-working.
   */
  private static final List<String> SERVICE_JVM_OPTIONS =
      List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError");

  private final Settings settings;
  private final Consumer<String> progress;
  private final Deque<AutoCloseable> running = new ArrayDeque<>();
  private EmbeddedPostgresServer postgres;
  private EmbeddedKafka kafka;
  private PlatformEndpoints endpoints;
  private volatile boolean stopping;

  /** How each reference service is started, and its process while it runs. */
  private final Map<String, ServiceProcess.Settings> serviceSettings = new LinkedHashMap<>();

  private final Map<String, ServiceProcess> services = new LinkedHashMap<>();

  /** The services start-up started and waits for, for a stop that comes meanwhile. */
  private final List<ServiceProcess> starting = new CopyOnWriteArrayList<>();

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
   * @param reference the reference system to run (the services and their projections), or null to
   *     run none
   */
  public record Settings(
      Path dataDir,
      boolean fresh,
      int kafkaPort,
      int postgresPort,
      int registryPort,
      int relayPort,
      int queryPort,
      ReferenceSystem reference) {
    public Settings {
      dataDir = dataDir.toAbsolutePath().normalize();
    }
  }

  /**
   * Where the reference system comes from and where its services answer.
   *
   * @param jarDirectory holds each service's executable jar, {@code
   *     tideway-service-<name>-<version>-exec.jar}, and the projections' topology jar, {@code
   *     tideway-projections-<version>.jar}
   * @param ports each service's HTTP port on loopback, by service name; one for each of {@link
   *     #SERVICES}
   */
  public record ReferenceSystem(Path jarDirectory, Map<String, Integer> ports) {
    public ReferenceSystem {
      jarDirectory = jarDirectory.toAbsolutePath().normalize();
      ports = Map.copyOf(ports);
      if (!ports.keySet().equals(Set.copyOf(SERVICES))) {
        throw new IllegalArgumentException(
            "A port for each service of " + SERVICES + " is needed, not for " + ports.keySet());
      }
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

  /**
   * The password of the PostgreSQL superuser ({@link PlatformEndpoints#postgres()}'s user) of a
   * platform on a data directory, from its credentials file (readable by its owner only).
   */
  public static String superuserPassword(Path dataDir) throws IOException {
    return ServiceDatabases.superuserPassword(dataDir);
  }

  /**
   * Whether a platform runs on a data directory now: the process its lock file names is alive and
   * holds the lock. A platform that was killed leaves its endpoints behind, naming ports no one
   * answers on, and its process id, which another process may have taken since.
   */
  public static boolean running(Path dataDir) {
    return DataDirectoryLock.holder(dataDir)
            .flatMap(ProcessHandle::of)
            .filter(ProcessHandle::isAlive)
            .isPresent()
        && DataDirectoryLock.held(dataDir);
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

  /**
   * Stops every part that was started, last started first, and releases the data directory. Called
   * while the platform starts (Ctrl-C), it has the start-up stop at its next step; a platform once
   * closed is not started again.
   */
  @Override
  public void close() throws Exception {
    stopping = true;
    // A start waiting for the services to be ready holds the lock: ended, they end its wait.
    starting.forEach(ServiceProcess::askToStop);
    synchronized (this) {
      stopParts();
    }
  }

  private void stopParts() throws Exception {
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

  /** Reports a start-up step, unless the platform is being stopped: then start-up ends here. */
  private void step(String line) {
    endIfStopping();
    progress.accept(line);
  }

  /** Ends start-up here when the platform is being stopped, rather than at the end of a wait. */
  private void endIfStopping() {
    if (stopping) {
      throw new PlatformSetupException("Stopped during start-up");
    }
  }

  private void startParts() throws Exception {
    Path dataDir = settings.dataDir();
    prepareDataDirectory(dataDir);
    running.push(DataDirectoryLock.acquire(dataDir));
    // Left by a platform that was killed: it names ports no one answers on.
    PlatformEndpoints.deleteFrom(dataDir);
    // The services first: they use the database.
    Map<String, Path> pidFiles = new LinkedHashMap<>();
    for (String service : SERVICES) {
      pidFiles.put(service, servicePidFile(service));
    }
    ServiceProcess.stopLeftOver(pidFiles)
        .forEach(
            (service, pid) ->
                step(
                    "Stopped the "
                        + service
                        + " service (pid "
                        + pid
                        + ")"
                        + LEFT_BY_KILLED_PLATFORM));
    EmbeddedPostgresServer.stopOrphan(dataDir.resolve("postgres"), START_TIMEOUT)
        .ifPresent(pid -> step("Stopped PostgreSQL (pid " + pid + ")" + LEFT_BY_KILLED_PLATFORM));
    checkPorts();
    if (settings.fresh()) {
      wipe(dataDir).forEach(kept -> step("Kept " + kept + KEPT_RUNTIME_STATE));
    }

    long start = System.nanoTime();
    step("Starting PostgreSQL on 127.0.0.1:" + settings.postgresPort() + " ...");
    postgres =
        new EmbeddedPostgresServer(
            dataDir.resolve("postgres"),
            settings.postgresPort(),
            ServiceDatabases.ensureSuperuserPassword(dataDir));
    postgres.start(START_TIMEOUT);
    running.push(postgres);
    Map<String, String> passwords = new ServiceDatabases(postgres, dataDir).ensure(SERVICES);
    List<OutboxSource> outboxes = migrateOutboxes(passwords);
    step("PostgreSQL is up (" + seconds(start) + ")");

    start = System.nanoTime();
    step("Starting Kafka on 127.0.0.1:" + settings.kafkaPort() + " ...");
    kafka =
        new EmbeddedKafka(
            dataDir.resolve("kafka"), settings.kafkaPort(), controllerPort(), Map.of());
    kafka.start(START_TIMEOUT);
    running.push(kafka);
    createServiceTopics();
    step("Kafka is up (" + seconds(start) + ")");

    start = System.nanoTime();
    step("Starting the schema registry on 127.0.0.1:" + settings.registryPort() + " ...");
    SchemaRegistryServer registry =
        new SchemaRegistryServer(
            SchemaRegistryServer.Settings.of(kafka.bootstrapServers())
                .withPort(settings.registryPort()));
    registry.start();
    running.push(registry);
    step("Schema registry is up (" + seconds(start) + ")");

    // They take the longest to start, so they start first and are waited for last.
    long servicesStart = System.nanoTime();
    Map<String, ServiceProcess> services = startServices(passwords, registry.url());

    PlatformEndpoints.Http relay = null;
    if (settings.relayPort() != -1) {
      start = System.nanoTime();
      step("Starting the outbox relay for " + SERVICES + " ...");
      relay = new PlatformEndpoints.Http(startRelay(outboxes));
      step("Outbox relay is streaming (" + seconds(start) + ")");
    }

    start = System.nanoTime();
    step("Starting the topology runtime on 127.0.0.1:" + settings.queryPort() + " ...");
    TopologyRuntime runtime =
        TopologyRuntime.start(
            RuntimeSettings.of(kafka.bootstrapServers(), dataDir.resolve("runtime"))
                .withHttp("127.0.0.1", settings.queryPort())
                .withInstanceName("local")
                .withReplicationFactor((short) 1)
                .withDeploymentDefaults(
                    Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url()))
                // Without the services, their projections and saga do not run either; they
                // resume at the next start with them.
                .withJarsNotResumed(
                    jar ->
                        settings.reference() == null
                            && jar.getFileName().toString().startsWith(PROJECTIONS_JAR)),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    running.push(runtime);
    step("Topology runtime is up (" + seconds(start) + ")");
    deployProjections(runtime);

    Map<String, String> serviceUrls = new LinkedHashMap<>();
    for (Map.Entry<String, ServiceProcess> service : services.entrySet()) {
      try {
        service.getValue().awaitReady(START_TIMEOUT);
      } catch (IllegalStateException ended) {
        if (stopping) {
          // Ctrl-C reaches the services too: ended by it, they did not fail.
          throw new PlatformSetupException("Stopped during start-up");
        }
        throw ended;
      }
      serviceUrls.put(service.getKey(), service.getValue().url());
    }
    starting.clear();
    if (!services.isEmpty()) {
      step("Services are up (" + seconds(servicesStart) + ")");
    }

    endpoints =
        new PlatformEndpoints(
            new PlatformEndpoints.Kafka(kafka.bootstrapServers()),
            new PlatformEndpoints.Postgres(
                postgres.jdbcUrl("postgres"), EmbeddedPostgresServer.SUPERUSER),
            new PlatformEndpoints.Http(registry.url()),
            relay,
            new PlatformEndpoints.Http(runtime.url()),
            serviceUrls);
    endpoints.writeTo(dataDir);
    running.push(() -> PlatformEndpoints.deleteFrom(dataDir));
  }

  /**
   * The topics of the services' events and commands, created before any service consumes them or
   * the relay or the saga writes them, with the catalogue's partitions. Those that exist are left
   * as they are.
   */
  private void createServiceTopics() throws InterruptedException, ExecutionException {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing =
          SERVICES.stream()
              .flatMap(service -> Stream.of(Topics.events(service), Topics.commands(service)))
              .filter(topic -> !existing.contains(topic.name()))
              .map(
                  topic ->
                      new NewTopic(topic.name(), Optional.of(topic.partitions()), Optional.empty()))
              .toList();
      admin.createTopics(missing).all().get();
    }
  }

  /**
   * Starts each service's process, if the platform runs services; {@link ServiceProcess#awaitReady}
   * tells when they serve.
   */
  private Map<String, ServiceProcess> startServices(
      Map<String, String> passwords, String registryUrl) throws IOException {
    Map<String, ServiceProcess> started = new LinkedHashMap<>();
    ReferenceSystem services = settings.reference();
    if (services == null) {
      return started;
    }
    step(
        "Starting the services "
            + String.join(
                ", ", SERVICES.stream().map(s -> s + " on " + services.ports().get(s)).toList())
            + " ...");
    running.push(this::stopServices);
    for (String service : SERVICES) {
      Map<String, String> environment = new LinkedHashMap<>();
      environment.put("SPRING_DATASOURCE_URL", postgres.jdbcUrl(service));
      environment.put("SPRING_DATASOURCE_USERNAME", service);
      environment.put("SPRING_DATASOURCE_PASSWORD", passwords.get(service));
      environment.put("SPRING_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
      environment.put("TIDEWAY_SERVICE_REGISTRY_URL", registryUrl);
      // One JSON object per line, with the event id and traceparent of consumed events.
      environment.put("LOGGING_STRUCTURED_FORMAT_CONSOLE", "logstash");
      ServiceProcess.Settings how =
          new ServiceProcess.Settings(
              service,
              jar(services.jarDirectory(), "tideway-service-" + service + "-", "-exec.jar"),
              services.ports().get(service),
              environment,
              SERVICE_JVM_OPTIONS,
              settings.dataDir().resolve(LOGS).resolve(service + ".log"));
      serviceSettings.put(service, how);
      ServiceProcess process = ServiceProcess.start(how);
      this.services.put(service, process);
      starting.add(process);
      process.recordIn(servicePidFile(service));
      started.put(service, process);
    }
    return started;
  }

  /**
   * Stops one reference service (SIGTERM, a graceful stop), as an operator would, or as a failure
   * looks to the others; {@link #startService} runs it again.
   */
  public synchronized void stopService(String name) throws InterruptedException {
    ServiceProcess process = services.remove(name);
    if (process == null) {
      throw new IllegalArgumentException(
          "No running service " + name + "; running: " + services.keySet());
    }
    process.close();
  }

  /** Starts a stopped reference service again and returns once it is ready. */
  public synchronized void startService(String name) throws IOException, InterruptedException {
    ServiceProcess.Settings how = serviceSettings.get(name);
    if (how == null || services.containsKey(name)) {
      throw new IllegalArgumentException("No stopped service " + name);
    }
    ServiceProcess process = ServiceProcess.start(how);
    services.put(name, process);
    process.recordIn(servicePidFile(name));
    process.awaitReady(START_TIMEOUT);
  }

  /** Stops every service, the others too when one cannot be stopped. */
  private synchronized void stopServices() throws InterruptedException {
    IllegalStateException failure = null;
    for (ServiceProcess process : services.values()) {
      try {
        process.close();
      } catch (IllegalStateException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    services.clear();
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Where a service's process is recorded while it runs: {@code <data dir>/services/<name>.pid}.
   */
  private Path servicePidFile(String service) {
    return settings.dataDir().resolve("services").resolve(service + ".pid");
  }

  /** The one jar in the directory whose name has the prefix and suffix. */
  private static Path jar(Path directory, String prefix, String suffix) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .filter(
              f -> {
                String name = f.getFileName().toString();
                return name.startsWith(prefix) && name.endsWith(suffix);
              })
          .findFirst()
          .orElseThrow(
              () ->
                  new PlatformSetupException(
                      "No "
                          + prefix
                          + "*"
                          + suffix
                          + " in "
                          + directory
                          + ": build the reference system with ./mvnw -pl cli -am package"));
    } catch (NoSuchFileException e) {
      throw new PlatformSetupException(
          "No directory " + directory + " with the reference system's jars");
    }
  }

  /**
   * Deploys the reference projections on the runtime and waits until they run. A runtime that
   * already runs them (its deployments outlive it) gets this build's jar as an upgrade; an upgrade
   * the runtime refuses as breaking leaves the running version in place, with a warning.
   */
  private void deployProjections(TopologyRuntime runtime) throws IOException, InterruptedException {
    if (settings.reference() == null) {
      return;
    }
    long start = System.nanoTime();
    Path jar = jar(settings.reference().jarDirectory(), PROJECTIONS_JAR, ".jar");
    try {
      runtime.deploy(jar, Map.of(), 1, false, false);
    } catch (DeploymentException e) {
      if (runtime.deployments().isEmpty()) {
        throw e;
      }
      step("The reference projections were not upgraded: " + e.getMessage());
      log.warn("Keeping the running reference projections", e);
    }
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!runtime.ready()) {
      endIfStopping();
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "The reference projections did not run within "
                + START_TIMEOUT.toSeconds()
                + " s: "
                + runtime.deployments());
      }
      Thread.sleep(100);
    }
    step("Reference projections are running (" + seconds(start) + ")");
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
      endIfStopping();
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

  /**
   * Creates the data directory, or checks that a platform made it: one holding other files is
   * refused, since {@code --fresh} deletes everything in a data directory.
   */
  private static void prepareDataDirectory(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
      boolean empty;
      try (Stream<Path> children = Files.list(dataDir)) {
        // The command's own log may be there already, and the state of runtimes that `tideway
        // runtime` started on another cluster (runtime-<port>).
        empty =
            children.allMatch(
                child ->
                    child.getFileName().toString().equals(LOGS)
                        || child.getFileName().toString().matches(RUNTIME_STATE));
      }
      if (!empty && !Files.exists(dataDir.resolve(DataDirectoryLock.FILE_NAME))) {
        throw new PlatformSetupException(
            "Data directory "
                + dataDir
                + " holds files no platform made (it has no "
                + DataDirectoryLock.FILE_NAME
                + "): choose an empty or new directory with --data-dir");
      }
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
    Set<Integer> taken = new HashSet<>(ports().keySet());
    int port = LoopbackPorts.pickFree();
    while (taken.contains(port)) {
      port = LoopbackPorts.pickFree();
    }
    return port;
  }

  /** A part of the platform that listens on a port the user chose. */
  private record Listener(int port, String part, String option) {}

  /** Each part's port, by port. */
  private Map<Integer, Listener> ports() {
    List<Listener> listeners = new ArrayList<>();
    listeners.add(new Listener(settings.kafkaPort(), "Kafka", "--kafka-port"));
    listeners.add(new Listener(settings.postgresPort(), "PostgreSQL", "--postgres-port"));
    listeners.add(new Listener(settings.registryPort(), "the schema registry", "--registry-port"));
    if (settings.relayPort() != -1) {
      listeners.add(new Listener(settings.relayPort(), "the outbox relay", "--relay-port"));
    }
    listeners.add(new Listener(settings.queryPort(), "the topology runtime", "--query-port"));
    if (settings.reference() != null) {
      for (String service : SERVICES) {
        listeners.add(
            new Listener(
                settings.reference().ports().get(service),
                "the " + service + " service",
                "--" + service + "-port"));
      }
    }
    Map<Integer, Listener> ports = new LinkedHashMap<>();
    for (Listener listener : listeners) {
      Listener earlier = ports.putIfAbsent(listener.port(), listener);
      if (earlier != null) {
        throw new PlatformSetupException(
            "Port "
                + listener.port()
                + " is set for both "
                + earlier.part()
                + " and "
                + listener.part()
                + ": change "
                + earlier.option()
                + " or "
                + listener.option());
      }
    }
    return ports;
  }

  private void checkPorts() {
    for (Listener listener : ports().values()) {
      if (listener.port() < 1 || listener.port() > 65535) {
        throw new PlatformSetupException(
            listener.port()
                + " is not a port for "
                + listener.part()
                + " (1 to 65535): choose one with "
                + listener.option());
      }
      if (!LoopbackPorts.isFree(listener.port())) {
        throw new PlatformSetupException(
            "Port "
                + listener.port()
                + " for "
                + listener.part()
                + " is already in use: choose another with "
                + listener.option());
      }
    }
  }

  /**
   * Removes earlier data, keeping the lock (held by us), the logs and the state of runtimes that
   * {@code tideway runtime} started, which may run on another cluster, even now.
   *
   * @return the runtimes' state directories kept
   */
  private static List<Path> wipe(Path dataDir) throws IOException {
    List<Path> kept = new ArrayList<>();
    try (Stream<Path> children = Files.list(dataDir)) {
      for (Path child : children.toList()) {
        String name = child.getFileName().toString();
        if (name.matches(RUNTIME_STATE)) {
          kept.add(child);
        } else if (!name.equals(DataDirectoryLock.FILE_NAME) && !name.equals(LOGS)) {
          FileUtils.forceDelete(child.toFile());
        }
      }
    }
    return kept;
  }

  private static String seconds(long startNanos) {
    return String.format("%.1f s", (System.nanoTime() - startNanos) / 1e9);
  }
}
