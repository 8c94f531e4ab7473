package io.tideway.loadtest;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A database of a benchmark's own on a PostgreSQL server, dropped with its replication slots when
 * closed, so that nothing a run writes reaches the platform's relay.
 */
public final class ScratchDatabase implements AutoCloseable {

  private final String serverUrl;
  private final String name;
  private final String user;
  private final String password;

  private ScratchDatabase(String serverUrl, String name, String user, String password) {
    this.serverUrl = serverUrl;
    this.name = name;
    this.user = user;
    this.password = password;
  }

  /**
   * Creates the database.
   *
   * @param serverUrl a JDBC URL of the server (any database on it); the user must be allowed to
   *     create databases
   * @param name the new database's name, a plain SQL identifier
   */
  public static ScratchDatabase create(String serverUrl, String name, String user, String password)
      throws SQLException {
    ScratchDatabase database = new ScratchDatabase(serverUrl, name, user, password);
    try (Connection c = database.connectTo(database.serverDatabase());
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    return database;
  }

  /** The database's name. */
  public String name() {
    return name;
  }

  /** The database's JDBC URL. */
  public String url() {
    return serverPrefix() + name;
  }

  /** A new connection to the database. */
  public Connection connect() throws SQLException {
    return connectTo(name);
  }

  /** A data source of connections to the database. */
  public DataSource dataSource() {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(url());
    dataSource.setUser(user);
    dataSource.setPassword(password);
    return dataSource;
  }

  /** Drops the database, ending its sessions and dropping its replication slots first. */
  @Override
  public void close() throws SQLException {
    try (Connection c = connectTo(serverDatabase());
        Statement s = c.createStatement()) {
      s.execute(
          "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = '"
              + name
              + "'");
      s.execute(
          "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '"
              + name
              + "'");
      s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
  }

  private Connection connectTo(String database) throws SQLException {
    return DriverManager.getConnection(serverPrefix() + database, user, password);
  }

  private String serverPrefix() {
    String base = withoutQuery();
    return base.substring(0, base.lastIndexOf('/') + 1);
  }

  private String serverDatabase() {
    String base = withoutQuery();
    return base.substring(base.lastIndexOf('/') + 1);
  }

  private String withoutQuery() {
    int query = serverUrl.indexOf('?');
    return query < 0 ? serverUrl : serverUrl.substring(0, query);
  }
}
