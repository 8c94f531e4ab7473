package io.tideway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tideway.deploy.PlatformEndpoints;
import io.tideway.deploy.embedded.LoopbackPorts;
import io.tideway.deploy.platform.LocalPlatform;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.tools.TopicCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tideway up} as a new user meets it, each part real, run as a separate process. */
class UpCommandIT {

  @TempDir Path dataDir;

  @Test
  void shouldServeKafkaAndPostgresStopCleanlyAndKeepDataAcrossRestarts() throws Exception {
    int kafkaPort = LoopbackPorts.pickFree();
    int postgresPort = LoopbackPorts.pickFree();
    long postmasterPid;
    // where `tideway runtime` on another cluster kept its state: no reason to refuse the directory
    Files.createDirectories(dataDir.resolve("runtime-8085"));

    // given a platform that reached ready
    try (PlatformProcess platform = PlatformProcess.start(dataDir, kafkaPort, postgresPort)) {
      String ready = platform.awaitReady();
      PlatformEndpoints endpoints = PlatformEndpoints.readFrom(dataDir).orElseThrow();
      assertThat(ready)
          .contains(endpoints.kafka().bootstrap())
          .contains(endpoints.postgres().jdbcUrl());
      assertThat(endpoints.kafka().bootstrap()).isEqualTo("127.0.0.1:" + kafkaPort);

      // with the services' event topics created and the services answering
      assertThat(listTopics(endpoints.kafka().bootstrap()))
          .contains("customer.events", "order.events", "inventory.events");
      assertThatTheServicesAnswer(endpoints);
      List<ProcessHandle> services = services(platform);
      assertThat(services).hasSize(3);

      // when data is written to both
      try (Admin admin = admin(endpoints)) {
        admin.createTopics(List.of(new NewTopic("kept.events", 3, (short) 1))).all().get();
      }
      // PostgreSQL asks every connection for its password, the superuser's too
      assertThatThrownBy(
              () ->
                  DriverManager.getConnection(
                      endpoints.postgres().jdbcUrl(), endpoints.postgres().user(), ""))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("password");
      try (Connection c = superuser(endpoints);
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE kept (id int primary key)");
        s.execute("INSERT INTO kept VALUES (42)");
        assertThat(single(s, "SHOW wal_level")).isEqualTo("logical");
        assertThat(single(s, "SHOW fsync")).isEqualTo("on");
        assertThat(
                single(
                    s,
                    "SELECT count(*) FROM pg_database WHERE datname IN ('customer', 'order', 'inventory')"))
            .isEqualTo("3");
      }
      assertThat(listTopics(endpoints.kafka().bootstrap())).contains("customer.events");
      HttpResponse<String> subjects =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(endpoints.registry().url() + "/subjects"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(subjects.statusCode()).isEqualTo(200);
      // Every service prepared the schemas of the events it publishes as it started.
      assertThat(subjects.body())
          .contains(
              "\"customer.events-io.tideway.contracts.customer.CustomerCreated\"",
              "\"order.events-io.tideway.contracts.order.OrderPlaced\"",
              "\"inventory.events-io.tideway.contracts.inventory.ProductAdded\"");
      assertThatTheRelayStreamsTheServicesOutboxes(endpoints);
      assertThatTheRuntimeAnswers(dataDir);
      postmasterPid = postmasterPid();

      // then a second platform on the same data directory is refused, and the first keeps serving
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code = upOnFreePorts(err, "--data-dir", dataDir.toString());
      assertThat(code).isEqualTo(Tideway.BAD_INPUT);
      assertThat(err.toString(StandardCharsets.UTF_8))
          .contains("in use by a running platform")
          .contains("--data-dir");
      assertThat(listTopics(endpoints.kafka().bootstrap())).contains("kept.events");

      // and SIGTERM stops everything
      assertThat(platform.stop()).isIn(0, 130, 143);
      assertThat(platform.output()).contains("Tideway stopped");
      assertThat(services).noneMatch(ProcessHandle::isAlive);
    }
    await("PostgreSQL exits")
        .atMost(Duration.ofSeconds(15))
        .until(
            () -> ProcessHandle.of(postmasterPid).map(ProcessHandle::isAlive).orElse(false),
            alive -> !alive);
    assertThat(LoopbackPorts.isFree(kafkaPort)).isTrue();
    assertThat(LoopbackPorts.isFree(postgresPort)).isTrue();
    assertThat(PlatformEndpoints.readFrom(dataDir)).isEmpty();

    // when it starts again on the same directory
    try (PlatformProcess platform = PlatformProcess.start(dataDir, kafkaPort, postgresPort)) {
      platform.awaitReady();
      PlatformEndpoints endpoints = PlatformEndpoints.readFrom(dataDir).orElseThrow();

      // then the topics and tables created before are there
      assertThat(listTopics(endpoints.kafka().bootstrap())).contains("kept.events");
      try (Connection c = superuser(endpoints);
          Statement s = c.createStatement()) {
        assertThat(single(s, "SELECT id FROM kept")).isEqualTo("42");
      }
      assertThat(platform.stop()).isIn(0, 130, 143);
    }
  }

  @Test
  void shouldComeBackWithItsDataAfterBeingKilled() throws Exception {
    int kafkaPort = LoopbackPorts.pickFree();
    int postgresPort = LoopbackPorts.pickFree();
    try (PlatformProcess platform = PlatformProcess.start(dataDir, kafkaPort, postgresPort)) {
      platform.awaitReady();
      PlatformEndpoints endpoints = PlatformEndpoints.readFrom(dataDir).orElseThrow();
      try (Admin admin = admin(endpoints)) {
        admin.createTopics(List.of(new NewTopic("survivor", 1, (short) 1))).all().get();
      }
      try (Connection c = superuser(endpoints);
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE committed (id int primary key)");
        s.execute("INSERT INTO committed VALUES (7)");
      }

      List<ProcessHandle> services = services(platform);
      assertThat(services).hasSize(3);

      // when the platform is killed with no chance to stop anything
      platform.handle().destroyForcibly();
      platform.handle().onExit().get();

      // then its services end by themselves
      await("services end with the platform")
          .atMost(Duration.ofSeconds(30))
          .until(() -> services.stream().noneMatch(ProcessHandle::isAlive));
    }

    // then a new one takes over the PostgreSQL left behind, and nothing committed is lost
    try (PlatformProcess platform = PlatformProcess.start(dataDir, kafkaPort, postgresPort)) {
      platform.awaitReady();
      assertThat(platform.output()).anyMatch(l -> l.contains("left by a killed platform"));
      PlatformEndpoints endpoints = PlatformEndpoints.readFrom(dataDir).orElseThrow();
      assertThat(listTopics(endpoints.kafka().bootstrap())).contains("survivor");
      try (Connection c = superuser(endpoints);
          Statement s = c.createStatement()) {
        assertThat(single(s, "SELECT id FROM committed")).isEqualTo("7");
      }
      assertThat(platform.stop()).isIn(0, 130, 143);
    }
  }

  @Test
  void shouldStopTheServicesAKilledPlatformLeftStarting() throws Exception {
    int kafkaPort = LoopbackPorts.pickFree();
    int postgresPort = LoopbackPorts.pickFree();
    List<ProcessHandle> leftOver;
    try (PlatformProcess platform = PlatformProcess.start(dataDir, kafkaPort, postgresPort)) {
      await("the services started")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> services(platform).size() == 3);
      leftOver = services(platform);
      // Killed while its services start: they would see it gone only once they are ready.
      platform.handle().destroyForcibly();
      platform.handle().onExit().get();
    }

    try (PlatformProcess platform = PlatformProcess.start(dataDir, kafkaPort, postgresPort)) {
      platform.awaitReady();
      assertThat(leftOver).noneMatch(ProcessHandle::isAlive);
      assertThat(platform.output())
          .filteredOn(line -> line.contains("left by a killed platform"))
          .anyMatch(line -> line.contains("Stopped the customer service (pid"))
          .anyMatch(line -> line.contains("Stopped the order service (pid"))
          .anyMatch(line -> line.contains("Stopped the inventory service (pid"));
      assertThat(platform.stop()).isIn(0, 130, 143);
    }
  }

  @Test
  void shouldWipeEarlierDataWhenFresh() throws Exception {
    int kafkaPort = LoopbackPorts.pickFree();
    int postgresPort = LoopbackPorts.pickFree();
    try (PlatformProcess platform = PlatformProcess.start(dataDir, kafkaPort, postgresPort)) {
      platform.awaitReady();
      try (Admin admin = admin(PlatformEndpoints.readFrom(dataDir).orElseThrow())) {
        admin.createTopics(List.of(new NewTopic("wiped", 1, (short) 1))).all().get();
      }
      platform.stop();
    }
    // A `tideway runtime`'s state, which may be of another cluster: kept.
    Path runtimeState = dataDir.resolve("runtime-8085").resolve("deployments.json");
    Files.createDirectories(runtimeState.getParent());
    Files.writeString(runtimeState, "{}");

    try (PlatformProcess platform =
        PlatformProcess.start(dataDir, kafkaPort, postgresPort, "--fresh")) {
      platform.awaitReady();
      assertThat(listTopics("127.0.0.1:" + kafkaPort)).doesNotContain("wiped");
      platform.stop();
    }
    assertThat(runtimeState).hasContent("{}");
  }

  @Test
  void shouldRefuseATakenKafkaPortAndStartNothing() throws Exception {
    int postgresPort = LoopbackPorts.pickFree();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();

      int code = runUp(err, taken.getLocalPort(), postgresPort);

      assertThat(code).isEqualTo(Tideway.BAD_INPUT);
      assertThat(err.toString(StandardCharsets.UTF_8).strip())
          .isEqualTo(
              "tideway up: Port "
                  + taken.getLocalPort()
                  + " for Kafka is already in use: choose another with --kafka-port");
    }
    assertNothingStarted(postgresPort);
  }

  @Test
  void shouldRefuseATakenPostgresPortAndStartNothing() throws Exception {
    int kafkaPort = LoopbackPorts.pickFree();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();

      int code = runUp(err, kafkaPort, taken.getLocalPort());

      assertThat(code).isEqualTo(Tideway.BAD_INPUT);
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("--postgres-port");
    }
    assertNothingStarted(kafkaPort);
  }

  @Test
  void shouldRefuseANumberThatIsNotAPort() throws Exception {
    int postgresPort = LoopbackPorts.pickFree();
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int code = runUp(err, 70_000, postgresPort);

    assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    assertThat(err.toString(StandardCharsets.UTF_8).strip())
        .isEqualTo(
            "tideway up: 70000 is not a port for Kafka (1 to 65535): choose one with --kafka-port");
    assertNothingStarted(postgresPort);
  }

  @Test
  void shouldRefuseADataDirectoryThatCannotBeWritten() throws Exception {
    Path notADirectory = Files.writeString(dataDir.resolve("plain-file"), "x");
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int code = upOnFreePorts(err, "--data-dir", notADirectory.resolve("platform").toString());

    assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .startsWith("tideway up: Data directory " + notADirectory.resolve("platform"))
        .contains("is not writable")
        .contains("--data-dir");
  }

  @Test
  void shouldRefuseADirectoryHoldingFilesNoPlatformMade() throws Exception {
    Path project = Files.createDirectories(dataDir.resolve("project"));
    Path precious = Files.writeString(project.resolve("precious.txt"), "x");
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int code = upOnFreePorts(err, "--fresh", "--data-dir", project.toString());

    assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .startsWith("tideway up: Data directory " + project + " holds files no platform made");
    assertThat(precious).exists();
    assertThat(project.resolve("tideway.lock")).doesNotExist();
  }

  /** Runs {@code up} in this JVM with these arguments, on free ports. */
  private static int upOnFreePorts(ByteArrayOutputStream err, String... args) {
    List<String> all = new ArrayList<>(List.of("up"));
    all.addAll(List.of(args));
    for (String port : List.of("--kafka-port", "--postgres-port", "--registry-port")) {
      all.add(port);
      all.add(String.valueOf(LoopbackPorts.pickFree()));
    }
    return runInProcess(err, all.toArray(String[]::new));
  }

  private int runUp(ByteArrayOutputStream err, int kafkaPort, int postgresPort) {
    return runInProcess(
        err,
        "up",
        "--data-dir",
        dataDir.toString(),
        "--kafka-port",
        String.valueOf(kafkaPort),
        "--postgres-port",
        String.valueOf(postgresPort),
        "--registry-port",
        String.valueOf(LoopbackPorts.pickFree()),
        "--query-port",
        String.valueOf(LoopbackPorts.pickFree()));
  }

  /** The service processes the platform started. */
  private static List<ProcessHandle> services(PlatformProcess platform) {
    return platform
        .handle()
        .children()
        .filter(
            p ->
                p.info().commandLine().map(line -> line.contains("tideway-service-")).orElse(false))
        .toList();
  }

  /** Each service is ready and listed in endpoints.json. */
  private static void assertThatTheServicesAnswer(PlatformEndpoints endpoints) throws Exception {
    assertThat(endpoints.services()).containsOnlyKeys("customer", "order", "inventory");
    for (String url : endpoints.services().values()) {
      HttpResponse<String> health =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(url + "/actuator/health/readiness")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).as(url).isEqualTo(200);
    }
  }

  /** The runtime is ready with no deployment, and the CLI finds it through endpoints.json. */
  private static void assertThatTheRuntimeAnswers(Path dataDir) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CommandLine cli = Tideway.commandLine();
    cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));

    assertThat(cli.execute("deployments", "--data-dir", dataDir.toString()))
        .as(err.toString(StandardCharsets.UTF_8))
        .isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("NAME").contains("APPLICATION ID");
    assertThat(cli.execute("undeploy", "no-such-view", "--data-dir", dataDir.toString()))
        .isEqualTo(Tideway.BAD_INPUT);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("tideway undeploy: No deployment named no-such-view");
  }

  /** A row committed to the customer service's outbox arrives on customer.events. */
  private void assertThatTheRelayStreamsTheServicesOutboxes(PlatformEndpoints endpoints)
      throws Exception {
    HttpResponse<String> health =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(endpoints.relay().url() + "/health/ready"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body())
        .contains("\"customer\":\"STREAMING\"", "\"order\":\"STREAMING\"")
        .contains("\"inventory\":\"STREAMING\"");
    String serverUrl = endpoints.postgres().jdbcUrl();
    String id = UUID.randomUUID().toString();
    try (Connection c =
            DriverManager.getConnection(
                serverUrl.substring(0, serverUrl.lastIndexOf('/') + 1) + "customer",
                endpoints.postgres().user(),
                LocalPlatform.superuserPassword(dataDir));
        Statement s = c.createStatement()) {
      s.execute(
          "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) VALUES ('"
              + id
              + "', 'customer', 'c-1', 'CustomerCreated', '\\x00000000010a'::bytea)");
    }
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.kafka().bootstrap());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "up-it-" + id);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of("customer.events"));
      List<ConsumerRecord<String, byte[]>> received = new ArrayList<>();
      await("the outbox row on customer.events")
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                return !received.isEmpty();
              });
      assertThat(received.get(0).key()).isEqualTo("c-1");
      assertThat(
              new String(
                  received.get(0).headers().lastHeader("id").value(), StandardCharsets.UTF_8))
          .isEqualTo(id);
    }
  }

  private void assertNothingStarted(int otherPort) {
    assertThat(LoopbackPorts.isFree(otherPort)).isTrue();
    assertThat(dataDir.resolve("postgres")).doesNotExist();
    assertThat(dataDir.resolve("kafka")).doesNotExist();
  }

  private static int runInProcess(ByteArrayOutputStream err, String... args) {
    PrintStream original = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      return Tideway.run(args);
    } finally {
      System.setErr(original);
    }
  }

  private static Admin admin(PlatformEndpoints endpoints) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.kafka().bootstrap());
    return Admin.create(props);
  }

  private Connection superuser(PlatformEndpoints endpoints) throws Exception {
    return DriverManager.getConnection(
        endpoints.postgres().jdbcUrl(),
        endpoints.postgres().user(),
        LocalPlatform.superuserPassword(dataDir));
  }

  private static String single(Statement s, String query) throws Exception {
    try (ResultSet rs = s.executeQuery(query)) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** Lists topics with Kafka's own tool, as an operator would. */
  private static List<String> listTopics(String bootstrap) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    AtomicInteger exitCode = new AtomicInteger(-1);
    Exit.setExitProcedure((code, message) -> exitCode.set(code));
    try {
      TopicCommand.main("--bootstrap-server", bootstrap, "--list");
    } finally {
      Exit.resetExitProcedure();
      System.setOut(original);
    }
    assertThat(exitCode).hasValue(0);
    return out.toString(StandardCharsets.UTF_8).lines().map(String::strip).toList();
  }

  private long postmasterPid() throws Exception {
    return Long.parseLong(
        Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).get(0).strip());
  }
}
