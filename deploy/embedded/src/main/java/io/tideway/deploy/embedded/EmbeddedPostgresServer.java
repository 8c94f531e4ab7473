package io.tideway.deploy.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server from the zonky binaries, run as a child process with its data under one
 * directory, configured for logical decoding ({@code wal_level=logical}) so the outbox relay can
 * stream from it.
 *
 * <p>The data directory is initialised on first start and reused afterwards. An owner that holds
 * the directory's lock stops a server left behind by a killed owner with {@link #stopOrphan} before
 * starting a new one. Durability settings are PostgreSQL's own defaults ({@code fsync=on}, {@code
 * synchronous_commit=on}): the embedded library turns both off for speed, which a platform that
 * promises never to lose an event cannot accept.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

  /** The superuser that the embedded server is initialised with. */
  public static final String SUPERUSER = "postgres";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

  private final Path dataDir;
  private final int port;
  private EmbeddedPostgres postgres;

  /**
   * @param dataDir the PostgreSQL data directory
   * @param port the port on loopback
   */
  public EmbeddedPostgresServer(Path dataDir, int port) {
    this.dataDir = dataDir.toAbsolutePath();
    this.port = port;
  }

  /** Initialises the data directory if it is new, starts the server and waits until it answers. */
  public synchronized void start(Duration timeout) throws IOException {
    if (postgres != null) {
      throw new IllegalStateException("PostgreSQL already started");
    }
    postgres =
        EmbeddedPostgres.builder()
            .setDataDirectory(dataDir)
            .setCleanDataDirectory(false)
            .setRegisterShutdownHook(false)
            .setPort(port)
            .setPGStartupWait(timeout)
            .setServerConfig("listen_addresses", "127.0.0.1")
            .setServerConfig("fsync", "on")
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("wal_level", "logical")
            .setServerConfig("max_wal_senders", "20")
            .setServerConfig("max_replication_slots", "20")
            .setServerConfig("max_connections", "200")
            .setServerConfig("shared_buffers", "128MB")
            .start();
  }

  /** The port on loopback. */
  public int port() {
    return port;
  }

  /** JDBC URL of a database on this server. */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /** A connection to a database as the superuser. */
  public Connection connect(String database) throws SQLException {
    return dataSource(database).getConnection();
  }

  /** A data source for a database as the superuser. */
  public DataSource dataSource(String database) {
    return running().getDatabase(SUPERUSER, database);
  }

  /** Stops the server with a fast shutdown: sessions are ended, committed data is kept. */
  @Override
  public synchronized void close() throws IOException {
    if (postgres == null) {
      return;
    }
    postgres.close();
    postgres = null;
  }

  private EmbeddedPostgres running() {
    if (postgres == null) {
      throw new IllegalStateException("PostgreSQL is not running");
    }
    return postgres;
  }

  /**
   * Stops a server left running on a data directory by an owner that was killed. Call only while
   * holding the data directory's lock: a live postmaster there then belongs to no one.
   *
   * @return the pid of the server that was stopped, if there was one
   */
  public static Optional<Long> stopOrphan(Path dataDir, Duration timeout) throws IOException {
    Optional<ProcessHandle> orphan = postmaster(dataDir.toAbsolutePath());
    if (orphan.isEmpty()) {
      return Optional.empty();
    }
    ProcessHandle process = orphan.get();
    log.info(
        "Stopping PostgreSQL (pid {}) left running in {} by a killed owner",
        process.pid(),
        dataDir);
    // SIGTERM is PostgreSQL's smart shutdown; its clients died with the owner, so it ends at once.
    process.destroy();
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      process.destroyForcibly();
    }
    return Optional.of(process.pid());
  }

  /**
   * The live postmaster of this data directory, if any: a stale pid file may name a pid that now
   * belongs to another process, so both the directory recorded in the file and the process's own
   * arguments must name this data directory.
   */
  private static Optional<ProcessHandle> postmaster(Path dataDir) throws IOException {
    Path pidFile = dataDir.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    if (lines.size() < 2 || !Path.of(lines.get(1).trim()).equals(dataDir)) {
      return Optional.empty();
    }
    try {
      return ProcessHandle.of(Long.parseLong(lines.get(0).trim()))
          .filter(ProcessHandle::isAlive)
          .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false))
          .filter(
              p ->
                  p.info()
                      .arguments()
                      .map(args -> List.of(args).contains(dataDir.toString()))
                      .orElse(false));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
