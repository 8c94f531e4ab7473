package io.tideway.testkit;

import io.tideway.deploy.embedded.EmbeddedPostgresServer;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.UUID;

/**
 * A PostgreSQL database of one test's own, owned by a user of its own with a password made up for
 * the test, and dropped when the test ends. The user may use logical replication, as the outbox
 * relay does. The server asks every connection for its password (scram-sha-256), as the platform's
 * does.
 */
public final class TestDatabase implements AutoCloseable {

  private final EmbeddedPostgresServer server;
  private final String name;
  private final String password;
  private final String superuserPassword;

  private TestDatabase(
      EmbeddedPostgresServer server, String name, String password, String superuserPassword) {
    this.server = server;
    this.name = name;
    this.password = password;
    this.superuserPassword = superuserPassword;
  }

  static TestDatabase create(EmbeddedPostgresServer server, String superuserPassword) {
    String name = "test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    String password = newPassword();
    try (Connection c = server.connect(EmbeddedPostgresServer.SUPERUSER);
        Statement s = c.createStatement()) {
      s.execute("CREATE ROLE " + name + " LOGIN REPLICATION PASSWORD '" + password + "'");
      try {
        s.execute("CREATE DATABASE " + name + " OWNER " + name);
      } catch (SQLException e) {
        s.execute("DROP ROLE " + name);
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("Could not create test database " + name, e);
    }
    return new TestDatabase(server, name, password, superuserPassword);
  }

  /** A password made up for a test. */
  static String newPassword() {
    byte[] secret = new byte[16];
    new SecureRandom().nextBytes(secret);
    return HexFormat.of().formatHex(secret);
  }

  /** The database name; the user has the same name. */
  public String name() {
    return name;
  }

  /** The JDBC URL of this database. */
  public String jdbcUrl() {
    return server.jdbcUrl(name);
  }

  /** The database's owner. */
  public String user() {
    return name;
  }

  /** The owner's password. */
  public String password() {
    return password;
  }

  /**
   * The server's superuser, for what a test runs that makes databases of its own (as the load
   * tests' scratch databases).
   */
  public String superuser() {
    return EmbeddedPostgresServer.SUPERUSER;
  }

  /** The superuser's password, made up for this run of the tests. */
  public String superuserPassword() {
    return superuserPassword;
  }

  /** The server's host, for clients that do not take JDBC URLs (such as Debezium). */
  public String host() {
    return "127.0.0.1";
  }

  /** The server's port. */
  public int port() {
    return server.port();
  }

  EmbeddedPostgresServer server() {
    return server;
  }

  /** A new connection as the owner. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), user(), password());
  }

  /**
   * Drops the database and its user, ending any sessions still open on it and dropping its
   * replication slots, which would otherwise keep the database alive.
   */
  @Override
  public void close() throws SQLException {
    try (Connection c = server.connect(EmbeddedPostgresServer.SUPERUSER);
        Statement s = c.createStatement()) {
      s.execute(
          // With a timeout, pg_terminate_backend waits for the session to end, so its replication
          // slots are no longer active when they are dropped next.
          "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = '"
              + name
              + "'");
      s.execute(
          "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '"
              + name
              + "'");
      s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      s.execute("DROP ROLE IF EXISTS " + name);
    }
  }
}
