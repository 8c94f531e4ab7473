package io.tideway.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tideway.deploy.embedded.EmbeddedPostgresServer;
import io.tideway.deploy.embedded.LoopbackPorts;
import io.tideway.outbox.relay.TopicReader.Delivered;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL restarted under a streaming relay, after each kind of shutdown that ends its
 * replication connection. The test restarts a server of its own, not the test kit's, which other
 * tests share.
 */
@TidewayTest
class PostgresRestartIT {

  private static final Logger log = LoggerFactory.getLogger(PostgresRestartIT.class);

  private static final Duration SERVER_START = Duration.ofSeconds(90);
  private static final Duration STREAMING = Duration.ofSeconds(120);
  private static final Duration CATCH_UP = Duration.ofSeconds(120);
  private static final int ROWS = 200;

  @TempDir static Path dir;
  private static int port;
  private static EmbeddedPostgresServer postgres;

  /**
   * How PostgreSQL is stopped: the postmaster's signal for it. Java sends only SIGTERM (a smart
   * shutdown, which would wait for the relay to disconnect) and SIGKILL, hence the {@code kill}
   * command.
   */
  enum Shutdown {
    /** Sessions are ended, a shutdown checkpoint written: what {@code pg_ctl stop} does. */
    FAST("-INT"),
    /** Every process quits at once, no checkpoint: the restart runs crash recovery. */
    IMMEDIATE("-QUIT");

    private final String signal;

    Shutdown(String signal) {
      this.signal = signal;
    }
  }

  /** Made up for the run: every connection proves its password, the relay's included. */
  private static final String SUPERUSER_PASSWORD = UUID.randomUUID().toString();

  @BeforeAll
  static void startPostgres() throws IOException {
    port = LoopbackPorts.pickFree();
    postgres = new EmbeddedPostgresServer(dir.resolve("postgres"), port, SUPERUSER_PASSWORD);
    postgres.start(SERVER_START);
  }

  @AfterAll
  static void stopPostgres() throws IOException {
    postgres.close();
  }

  @ParameterizedTest
  @EnumSource(Shutdown.class)
  void reconnectsByItselfAfterARestartAndRelaysRowsFromBeforeAndAfter(
      Shutdown shutdown, TestKafka kafka) throws Exception {
    OutboxDatabase database = createDatabase("relay_" + shutdown.name().toLowerCase(Locale.ROOT));
    String aggregateType = "restart_" + UUID.randomUUID().toString().substring(0, 8);
    RelaySettings settings =
        RelaySettings.of(kafka.bootstrapServers(), List.of(database.source("restart")))
            .withTopics(kafka.topicName("relay.offsets"), kafka.topicName("outbox.dlq"))
            .withTopicLayout(2, (short) 1);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    List<UUID> committed = new ArrayList<>();
    Delivered delivered;
    long restarts;
    try (OutboxRelay relay = OutboxRelay.start(settings, meters);
        TopicReader reader = new TopicReader(kafka.bootstrapServers(), aggregateType + ".events")) {
      await("streaming").atMost(STREAMING).until(() -> relay.health().streaming());
      // Committed right before the shutdown, the last of them perhaps still on their way to Kafka.
      committed.addAll(database.insert(aggregateType, ROWS));

      stop(shutdown);
      await("the relay noticed").atMost(STREAMING).until(() -> !relay.health().streaming());
      postgres = new EmbeddedPostgresServer(dir.resolve("postgres"), port, SUPERUSER_PASSWORD);
      postgres.start(SERVER_START);

      await("streaming again").atMost(STREAMING).until(() -> relay.health().streaming());
      committed.addAll(database.insert(aggregateType, ROWS));
      delivered = reader.readUntilAll(committed, CATCH_UP);
      restarts = (long) meters.get("tideway.relay.restarts").counter().count();
    }

    log.info(
        "{} shutdown: committed {} rows, Kafka holds {} records, {} duplicates; {} engine restarts",
        shutdown,
        committed.size(),
        delivered.records(),
        delivered.duplicates(),
        restarts);
    assertThat(delivered.ids()).hasSameSizeAs(committed);
  }

  /** Stops the server and waits until its postmaster is gone. */
  private static void stop(Shutdown shutdown) throws Exception {
    long pid =
        Long.parseLong(
            Files.readAllLines(
                    dir.resolve("postgres").resolve("postmaster.pid"), StandardCharsets.UTF_8)
                .get(0)
                .trim());
    ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
    Process kill = new ProcessBuilder("kill", shutdown.signal, Long.toString(pid)).start();
    assertThat(kill.waitFor(30, TimeUnit.SECONDS)).as("kill returned").isTrue();
    assertThat(kill.exitValue()).as("exit code of kill").isZero();
    postmaster.onExit().get(SERVER_START.toSeconds(), TimeUnit.SECONDS);
    // Releases the data directory's lock for the next server; its pg_ctl stop finds no server
    // and logs that it could not stop it.
    postgres.close();
  }

  private static OutboxDatabase createDatabase(String name) throws Exception {
    String password = UUID.randomUUID().toString();
    try (Connection c = postgres.connect("postgres");
        Statement s = c.createStatement()) {
      s.execute("CREATE ROLE " + name + " LOGIN REPLICATION PASSWORD '" + password + "'");
      s.execute("CREATE DATABASE " + name + " OWNER " + name);
    }
    return new OutboxDatabase("127.0.0.1", port, name, name, password);
  }
}
