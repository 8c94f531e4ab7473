package io.tideway.testkit;

import io.tideway.deploy.embedded.EmbeddedKafka;
import io.tideway.deploy.embedded.EmbeddedPostgresServer;
import io.tideway.deploy.embedded.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.commons.io.FileUtils;

/** The broker and PostgreSQL server that every test class in one JVM shares. */
final class SharedPlatform implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Path dir;
  private final EmbeddedKafka kafka;
  private final EmbeddedPostgresServer postgres;
  private final String superuserPassword;

  private SharedPlatform(
      Path dir, EmbeddedKafka kafka, EmbeddedPostgresServer postgres, String superuserPassword) {
    this.dir = dir;
    this.kafka = kafka;
    this.postgres = postgres;
    this.superuserPassword = superuserPassword;
  }

  static SharedPlatform start() {
    try {
      Path dir = Files.createTempDirectory("tideway-testkit-");
      EmbeddedKafka kafka =
          new EmbeddedKafka(
              dir.resolve("kafka"), LoopbackPorts.pickFree(), LoopbackPorts.pickFree(), Map.of());
      // Every connection proves its password, as on the platform: a component given the wrong one
      // fails its tests.
      String superuserPassword = TestDatabase.newPassword();
      EmbeddedPostgresServer postgres =
          new EmbeddedPostgresServer(
              dir.resolve("postgres"), LoopbackPorts.pickFree(), superuserPassword);
      SharedPlatform platform = new SharedPlatform(dir, kafka, postgres, superuserPassword);
      // Both take seconds to start, mostly waiting: starting them side by side halves the wait.
      CompletableFuture<Void> broker =
          CompletableFuture.runAsync(
              () -> {
                try {
                  kafka.start(START_TIMEOUT);
                } catch (Exception e) {
                  throw new IllegalStateException("Kafka broker for tests did not start", e);
                }
              });
      try {
        postgres.start(START_TIMEOUT);
        broker.join();
      } catch (RuntimeException | IOException e) {
        broker.exceptionally(ignored -> null).join();
        platform.close();
        throw e;
      }
      // JUnit closes it when the tests end; a JVM ended otherwise (a fork's timeout, Ctrl-C)
      // would leave PostgreSQL running, detached, with nothing to stop it later. Kafka runs in
      // this JVM and ends with it. (A close under way holds the server's monitor: this waits.)
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      postgres.close();
                    } catch (IOException e) {
                      // The JVM is ending: nothing to tell.
                    }
                  },
                  "tideway-testkit-stop"));
      return platform;
    } catch (IOException e) {
      throw new UncheckedIOException("Test platform did not start", e);
    }
  }

  EmbeddedKafka kafka() {
    return kafka;
  }

  EmbeddedPostgresServer postgres() {
    return postgres;
  }

  String superuserPassword() {
    return superuserPassword;
  }

  @Override
  public void close() throws IOException {
    try {
      kafka.close();
    } finally {
      try {
        postgres.close();
      } finally {
        FileUtils.deleteDirectory(dir.toFile());
      }
    }
  }
}
