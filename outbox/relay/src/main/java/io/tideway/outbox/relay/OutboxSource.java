package io.tideway.outbox.relay;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

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
 * @param ssl how the connections are secured: PostgreSQL JDBC's {@link #SSL_PARAMETERS} (e.g.
 *     {@code sslmode=verify-full}, {@code sslrootcert=/etc/ca.pem}); none: the driver's default
 */
public record OutboxSource(
    String name,
    String host,
    int port,
    String database,
    String user,
    String password,
    Map<String, String> ssl) {

  /**
   * The connection parameters a source takes, those of PostgreSQL JDBC that Debezium's connector
   * takes too (as {@code database.<parameter>}).
   */
  public static final Set<String> SSL_PARAMETERS =
      Set.of("sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "sslfactory");

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]+");

  /** A source reached with the driver's default SSL settings. */
  public OutboxSource(
      String name, String host, int port, String database, String user, String password) {
    this(name, host, port, database, user, password, Map.of());
  }

  /**
   * @throws IllegalArgumentException naming the field that cannot work
   */
  public OutboxSource {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(ssl, "ssl");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "Outbox source name '" + name + "' may only hold letters, digits and '_'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "Outbox source " + name + ": port " + port + " is invalid");
    }
    for (String parameter : ssl.keySet()) {
      if (!SSL_PARAMETERS.contains(parameter)) {
        throw new IllegalArgumentException(
            "Outbox source "
                + name
                + ": connection parameter '"
                + parameter
                + "' is not one the relay takes; it takes "
                + new TreeSet<>(SSL_PARAMETERS));
      }
    }
    ssl = Map.copyOf(ssl);
  }

  private static final Pattern JDBC_URL =
      Pattern.compile("jdbc:postgresql://([^:/?]+)(?::(\\d+))?/([^/?]+)(?:\\?(.*))?");

  /**
   * A source from a PostgreSQL JDBC URL, e.g. {@code
   * jdbc:postgresql://db:5432/customer?sslmode=verify-full}.
   *
   * @throws IllegalArgumentException when the URL does not name a host and a database, or has a
   *     parameter other than the {@link #SSL_PARAMETERS}
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
    Map<String, String> ssl = new LinkedHashMap<>();
    if (url.group(4) != null) {
      for (String parameter : url.group(4).split("&")) {
        int equals = parameter.indexOf('=');
        if (equals < 1) {
          throw new IllegalArgumentException(
              "Outbox source " + name + ": '" + parameter + "' in " + jdbcUrl + " has no value");
        }
        ssl.put(
            parameter.substring(0, equals),
            URLDecoder.decode(parameter.substring(equals + 1), StandardCharsets.UTF_8));
      }
    }
    return new OutboxSource(name, url.group(1), port, url.group(3), user, password, ssl);
  }

  /**
   * The replication slot this source is read through: one per database, since slot names are unique
   * across a PostgreSQL server.
   */
  public String slotName() {
    return "tideway_outbox_"
        + database.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
  }

  /** The JDBC URL of the source database, its SSL parameters included. */
  public String jdbcUrl() {
    String url = "jdbc:postgresql://" + host + ":" + port + "/" + database;
    if (ssl.isEmpty()) {
      return url;
    }
    return url
        + ssl.entrySet().stream()
            .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .sorted()
            .collect(Collectors.joining("&", "?", ""));
  }

  @Override
  public String toString() {
    return name + " (" + user + "@" + host + ":" + port + "/" + database + ")";
  }
}
