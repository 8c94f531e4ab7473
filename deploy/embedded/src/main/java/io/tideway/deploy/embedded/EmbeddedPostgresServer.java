package io.tideway.deploy.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 *
 * <p>Given a superuser password, the server asks every connection for its password ({@code
 * scram-sha-256} in {@code pg_hba.conf}, replication included), from its first start: the library
 * would initialise it to trust anyone who reaches the port, any local user as superuser.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

  /** The superuser that the embedded server is initialised with. */
  public static final String SUPERUSER = "postgres";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

  /** How long a stopping server may take to end: a shutdown checkpoint after heavy load. */
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  /** Every connection, over the socket or loopback, replication too, proves its password. */
  private static final String PASSWORDS_REQUIRED =
      String.join(
          "\n",
          "# Written by Tideway: every connection proves its password.",
          "local   all          all                 scram-sha-256",
          "host    all          all  127.0.0.1/32   scram-sha-256",
          "host    all          all  ::1/128        scram-sha-256",
          "local   replication  all                 scram-sha-256",
          "host    replication  all  127.0.0.1/32   scram-sha-256",
          "host    replication  all  ::1/128        scram-sha-256",
          "");

  private final Path dataDir;
  private final int port;
  private final String superuserPassword;
  private EmbeddedPostgres postgres;
  private ProcessHandle postmaster;

  /**
   * A server that trusts every connection: for a throw-away test server.
   *
   * @param dataDir the PostgreSQL data directory
   * @param port the port on loopback
   */
  public EmbeddedPostgresServer(Path dataDir, int port) {
    this(dataDir, port, null);
  }

  /**
   * @param dataDir the PostgreSQL data directory
   * @param port the port on loopback
   * @param superuserPassword the superuser's password, which every connection then has to give (its
   *     own user's); null to trust every connection, as for a throw-away test server
   */
  public EmbeddedPostgresServer(Path dataDir, int port, String superuserPassword) {
    this.dataDir = dataDir.toAbsolutePath();
    this.port = port;
    this.superuserPassword = superuserPassword;
  }

  /**
   * Initialises the data directory if it is new, starts the server and waits until it answers. A
   * server that started but did not answer in time (a long crash recovery) is stopped again.
   */
  public synchronized void start(Duration timeout) throws IOException {
    if (postgres != null) {
      throw new IllegalStateException("PostgreSQL already started");
    }
    Path passwordFile = null;
    try {
      EmbeddedPostgres.Builder builder = builder(timeout);
      // The library runs initdb where there is no postgresql.conf.
      if (superuserPassword != null && !Files.exists(dataDir.resolve("postgresql.conf"))) {
        // Initialised asking for passwords from the first: the library's own initdb trusts every
        // connection, until requirePasswords below, a window open to anyone on this machine.
        passwordFile = Files.createTempFile("tideway-postgres-", ".pw", OWNER_ONLY);
        Files.writeString(passwordFile, superuserPassword + "\n", StandardCharsets.UTF_8);
        builder
            .setLocaleConfig("auth", "scram-sha-256")
            .setLocaleConfig("pwfile", passwordFile.toString());
      }
      postgres = builder.start();
      if (superuserPassword != null) {
        requirePasswords();
      }
    } catch (IOException | RuntimeException e) {
      if (postgres != null) {
        // Started, then failed: closing also releases the library's lock on the directory.
        try {
          postgres.close();
        } catch (IOException | RuntimeException close) {
          e.addSuppressed(close);
        }
        postgres = null;
      }
      try {
        stopOrphan(dataDir, STOP_TIMEOUT);
      } catch (IOException stop) {
        e.addSuppressed(stop);
      }
      throw e;
    } finally {
      if (passwordFile != null) {
        try {
          Files.deleteIfExists(passwordFile);
        } catch (IOException e) {
          log.warn("Could not delete {}, which holds the superuser's password", passwordFile, e);
        }
      }
    }
    postmaster = postmaster(dataDir).orElse(null);
  }

  /**
   * Gives the superuser its password and makes the server ask every connection for one. On each
   * start, so a data directory initialised to trust is brought in line; the password is set before
   * trust ends, so the superuser is never locked out. (A password changed afterwards would lock it
   * out: the library's own check at start logs in with it.)
   */
  private void requirePasswords() throws IOException {
    try (Connection c = connect(SUPERUSER);
        Statement s = c.createStatement()) {
      s.execute(
          "ALTER ROLE " + SUPERUSER + " PASSWORD '" + superuserPassword.replace("'", "''") + "'");
      Path hba = dataDir.resolve("pg_hba.conf");
      if (!PASSWORDS_REQUIRED.equals(Files.readString(hba, StandardCharsets.UTF_8))) {
        // Whole or not at all: a server cannot start on a half-written file.
        Path written = Files.createTempFile(dataDir, "pg_hba", ".tmp");
        Files.writeString(written, PASSWORDS_REQUIRED, StandardCharsets.UTF_8);
        Files.move(
            written, hba, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        s.execute("SELECT pg_reload_conf()");
      }
    } catch (SQLException e) {
      throw new IOException("Could not make PostgreSQL ask for passwords: " + e, e);
    }
  }

  private EmbeddedPostgres.Builder builder(Duration timeout) {
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
    if (superuserPassword != null) {
      // The library's own connections (its readiness check, data sources) give it too.
      builder.setConnectConfig("password", superuserPassword);
    }
    return builder
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
        .setServerConfig("shared_buffers", "128MB");
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

  /**
   * Stops the server with a fast shutdown (sessions are ended, committed data is kept) and waits
   * until it has ended: the library's own stop gives up after 5 s without saying so.
   *
   * @throws IOException when the server is still running after a minute
   */
  @Override
  public synchronized void close() throws IOException {
    if (postgres == null) {
      return;
    }
    postgres.close();
    postgres = null;
    if (postmaster != null && !stopped(postmaster, STOP_TIMEOUT)) {
      throw new IOException(
          "PostgreSQL (pid "
              + postmaster.pid()
              + ") is still running "
              + STOP_TIMEOUT.toSeconds()
              + " s after it was told to stop");
    }
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
    Path absolute = dataDir.toAbsolutePath();
    removeStalePidFile(absolute);
    Optional<ProcessHandle> orphan = postmaster(absolute);
    if (orphan.isEmpty()) {
      return Optional.empty();
    }
    ProcessHandle process = orphan.get();
    log.info(
        "Stopping PostgreSQL (pid {}) left running in {} by a killed owner",
        process.pid(),
        dataDir);
    // SIGINT is PostgreSQL's fast shutdown: it ends the sessions of clients still connected (a
    // psql someone left open), which SIGTERM, its smart shutdown, would wait for.
    signal(process, "INT");
    if (!stopped(process, timeout)) {
      process.destroyForcibly();
      if (!stopped(process, STOP_TIMEOUT)) {
        throw new IOException(
            "PostgreSQL (pid " + process.pid() + ") left running in " + dataDir + " did not stop");
      }
    }
    return Optional.of(process.pid());
  }

  /**
   * Removes a pid file whose pid another process has taken since (after a reboot, say): another
   * program, or a PostgreSQL server of another data directory. PostgreSQL would refuse to start on
   * it. A pid file of this directory's live postmaster, or of a process that cannot be told apart
   * from one, stays.
   */
  private static void removeStalePidFile(Path dataDir) throws IOException {
    Path pidFile = dataDir.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    try {
      Optional<ProcessHandle> holder =
          lines.isEmpty()
              ? Optional.empty()
              : ProcessHandle.of(Long.parseLong(lines.get(0).trim()))
                  .filter(ProcessHandle::isAlive);
      boolean other =
          holder.isPresent() && isPostmasterOf(holder.get(), dataDir).equals(Optional.of(false));
      if (other) {
        log.info("Removing {}: its pid {} is another program's now", pidFile, holder.get().pid());
        Files.delete(pidFile);
      }
    } catch (NumberFormatException e) {
      // Not a pid file PostgreSQL wrote whole; PostgreSQL judges it itself.
    }
  }

  /**
   * Whether a process is this directory's postmaster, by its command and its arguments; empty when
   * what can be read of it cannot tell.
   */
  private static Optional<Boolean> isPostmasterOf(ProcessHandle process, Path dataDir) {
    ProcessHandle.Info info = process.info();
    // A binary deleted under the running server (a temp directory cleaned) reads "… (deleted)".
    Optional<Boolean> postgres =
        info.command().map(c -> c.replaceFirst(" \\(deleted\\)$", "").endsWith("postgres"));
    if (postgres.equals(Optional.of(false))) {
      return postgres;
    }
    Optional<Boolean> thisDirectory =
        info.arguments()
            .map(args -> List.of(args).stream().anyMatch(arg -> sameDirectory(arg, dataDir)));
    return postgres.isPresent() && thisDirectory.isPresent()
        ? thisDirectory
        : thisDirectory.filter(named -> !named);
  }

  /** Whether a path names the data directory, however it is spelled (a link, a relative path). */
  private static boolean sameDirectory(String path, Path dataDir) {
    try {
      return Files.isSameFile(Path.of(path), dataDir);
    } catch (IOException | InvalidPathException e) {
      return false;
    }
  }

  private static void signal(ProcessHandle process, String signal) throws IOException {
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
              .redirectErrorStream(true)
              .start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        process.destroy();
      }
    } catch (IOException e) {
      process.destroy(); // no kill command here: SIGTERM, PostgreSQL's smart shutdown
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted stopping PostgreSQL (pid " + process.pid() + ")", e);
    }
  }

  private static boolean stopped(ProcessHandle process, Duration timeout) throws IOException {
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return !process.isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted waiting for PostgreSQL (pid " + process.pid() + ")", e);
    }
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
    if (lines.size() < 2 || !sameDirectory(lines.get(1).trim(), dataDir)) {
      return Optional.empty();
    }
    try {
      return ProcessHandle.of(Long.parseLong(lines.get(0).trim()))
          .filter(ProcessHandle::isAlive)
          .filter(p -> isPostmasterOf(p, dataDir).orElse(false));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
