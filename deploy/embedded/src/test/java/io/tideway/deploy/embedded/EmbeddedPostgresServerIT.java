package io.tideway.deploy.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresServerIT {

  private static final Duration START = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void closeReturnsOnlyOnceTheServerHasEnded() throws Exception {
    EmbeddedPostgresServer server = new EmbeddedPostgresServer(dir, LoopbackPorts.pickFree());
    server.start(START);
    ProcessHandle postmaster = postmaster();

    server.close();

    assertThat(postmaster.isAlive()).isFalse();
    assertThat(dir.resolve("postmaster.pid")).doesNotExist();
  }

  @Test
  void aServerGivenASuperuserPasswordAsksEveryConnectionForIt() throws Exception {
    String password = "pw-" + System.nanoTime();
    int port = LoopbackPorts.pickFree();
    EmbeddedPostgresServer server = new EmbeddedPostgresServer(dir, port, password);
    server.start(START);
    try {
      String url = server.jdbcUrl("postgres");
      assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", ""))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("password");
      assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", "not-" + password))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("password authentication failed");
      try (Connection c = DriverManager.getConnection(url, "postgres", password)) {
        assertThat(c.isValid(5)).isTrue();
      }
    } finally {
      server.close();
    }

    // Started again on its data directory, the server still asks, and lets its owner in.
    EmbeddedPostgresServer again = new EmbeddedPostgresServer(dir, port, password);
    again.start(START);
    try (Connection c = again.connect("postgres")) {
      assertThat(c.isValid(5)).isTrue();
      assertThatThrownBy(
              () -> DriverManager.getConnection(again.jdbcUrl("postgres"), "postgres", ""))
          .isInstanceOf(SQLException.class);
    } finally {
      again.close();
    }
  }

  /** The abandoned server object is left as a killed owner leaves it: never closed. */
  @Test
  void stopsAServerAKilledOwnerLeftEvenWithAClientConnected() throws Exception {
    EmbeddedPostgresServer abandoned = new EmbeddedPostgresServer(dir, LoopbackPorts.pickFree());
    abandoned.start(START);
    ProcessHandle postmaster = postmaster();
    // A client left connected, which a smart shutdown (SIGTERM) would wait for.
    try (Connection client = abandoned.connect("postgres")) {
      long start = System.nanoTime();
      Optional<Long> stopped = EmbeddedPostgresServer.stopOrphan(dir, Duration.ofSeconds(60));

      assertThat(stopped).contains(postmaster.pid());
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .as("a fast shutdown, not a smart one waiting out the client, then a kill")
          .isLessThan(Duration.ofSeconds(30));
      assertThat(postmaster.isAlive()).isFalse();
    }
  }

  @Test
  void stopsAServerAKilledOwnerLeftWhenTheDirectoryIsNamedThroughALink(@TempDir Path links)
      throws Exception {
    EmbeddedPostgresServer abandoned = new EmbeddedPostgresServer(dir, LoopbackPorts.pickFree());
    abandoned.start(START);
    ProcessHandle postmaster = postmaster();
    Path link = Files.createSymbolicLink(links.resolve("data"), dir);

    Optional<Long> stopped = EmbeddedPostgresServer.stopOrphan(link, Duration.ofSeconds(60));

    assertThat(stopped).contains(postmaster.pid());
    assertThat(postmaster.isAlive()).isFalse();
  }

  @Test
  void startsOverAPidFileWhosePidAnotherProgramHasTaken() throws Exception {
    EmbeddedPostgresServer first = new EmbeddedPostgresServer(dir, LoopbackPorts.pickFree());
    first.start(START);
    first.close();
    // As after a power cut: the file stayed, and its pid is another program's now (not this
    // JVM's, which PostgreSQL recognises as its starter's).
    Process other = new ProcessBuilder("sleep", "120").start();
    try {
      Files.write(
          dir.resolve("postmaster.pid"),
          List.of(
              Long.toString(other.pid()), dir.toAbsolutePath().toString(), "1700000000", "5432"));

      EmbeddedPostgresServer.stopOrphan(dir, Duration.ofSeconds(20));
      EmbeddedPostgresServer server = new EmbeddedPostgresServer(dir, LoopbackPorts.pickFree());
      server.start(START);
      try (Connection c = server.connect("postgres");
          Statement s = c.createStatement();
          ResultSet answer = s.executeQuery("SELECT 1")) {
        assertThat(answer.next()).isTrue();
      } finally {
        server.close();
      }
      assertThat(other.isAlive()).isTrue();
    } finally {
      other.destroyForcibly();
    }
  }

  @Test
  void startsOverAPidFileWhosePidAnotherDirectorysPostgresHasTaken(@TempDir Path otherDir)
      throws Exception {
    EmbeddedPostgresServer first = new EmbeddedPostgresServer(dir, LoopbackPorts.pickFree());
    first.start(START);
    first.close();
    // As after a reboot: the file stayed, and its pid is another data directory's server now.
    try (EmbeddedPostgresServer other =
        new EmbeddedPostgresServer(otherDir, LoopbackPorts.pickFree())) {
      other.start(START);
      String otherPid = Files.readAllLines(otherDir.resolve("postmaster.pid")).get(0).trim();
      Files.write(
          dir.resolve("postmaster.pid"),
          List.of(otherPid, dir.toAbsolutePath().toString(), "1700000000", "5432"));

      assertThat(EmbeddedPostgresServer.stopOrphan(dir, Duration.ofSeconds(20))).isEmpty();
      try (EmbeddedPostgresServer server =
          new EmbeddedPostgresServer(dir, LoopbackPorts.pickFree())) {
        server.start(START);
        try (Connection c = server.connect("postgres");
            Statement s = c.createStatement();
            ResultSet answer = s.executeQuery("SELECT 1")) {
          assertThat(answer.next()).isTrue();
        }
      }
      assertThat(ProcessHandle.of(Long.parseLong(otherPid)).map(ProcessHandle::isAlive))
          .contains(true);
    }
  }

  private ProcessHandle postmaster() throws Exception {
    long pid = Long.parseLong(Files.readAllLines(dir.resolve("postmaster.pid")).get(0).trim());
    return ProcessHandle.of(pid).orElseThrow();
  }
}
