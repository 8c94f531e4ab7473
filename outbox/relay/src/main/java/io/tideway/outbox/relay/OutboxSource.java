package io.tideway.outbox.relay;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One service database whose outbox the relay streams, and how to reach it. The user needs the
 * {@code REPLICATION} attribute and must own the outbox table (or the publication must exist).
 *
 * @param name the source's name in metrics, logs and offsets, e.g. {@code customer}; letters,
 *     digits and {@code _}
 * @param host the PostgreSQL server's host
 * @param port its port
 * @param database the database holding the {@code outbox} table
 * @param user a user with the {@code REPLICATION} attribute
 * @param password the user's password
 */
public record OutboxSource(
    String name, String host, int port, String database, String user, String password) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]+");

  /**
   * @throws IllegalArgumentException naming the field that cannot work
   */
  public OutboxSource {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "Outbox source name '" + name + "' may only hold letters, digits and '_'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "Outbox source " + name + ": port " + port + " is invalid");
    }
  }

  private static final Pattern JDBC_URL =
      Pattern.compile("jdbc:postgresql://([^:/?]+)(?::(\\d+))?/([^/?]+)(?:\\?.*)?");

  /**
   * A source from a PostgreSQL JDBC URL, e.g. {@code jdbc:postgresql://db:5432/customer}.
   *
   * @throws IllegalArgumentException when the URL does not name a host and a database
   */
  public static OutboxSource fromJdbcUrl(
      String name, String jdbcUrl, String user, String password) {
    Matcher url = JDBC_URL.matcher(jdbcUrl);
    if (!url.matches()) {
      throw new IllegalArgumentException(
          "Outbox source "
              + name
              + ": '"
              + jdbcUrl
              + "' is not a PostgreSQL JDBC URL like jdbc:postgresql://host:5432/database");
    }
    int port = url.group(2) == null ? 5432 : Integer.parseInt(url.group(2));
    return new OutboxSource(name, url.group(1), port, url.group(3), user, password);
  }

  /**
   * The replication slot this source is read through: one per database, since slot names are unique
   * across a PostgreSQL server.
   */
  public String slotName() {
    return "tideway_outbox_"
        + database.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
  }

  /** The JDBC URL of the source database. */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  @Override
  public String toString() {
    return name + " (" + user + "@" + host + ":" + port + "/" + database + ")";
  }
}
