package io.tideway.deploy.platform;

import io.tideway.deploy.embedded.EmbeddedPostgresServer;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * One database and one database user per service, each service owning its data. Created on first
 * start and left alone afterwards. Passwords, the superuser's too, are generated on this machine
 * and kept in {@value #CREDENTIALS_FILE} in the data directory, readable by its owner only.
 */
final class ServiceDatabases {

  static final String CREDENTIALS_FILE = "credentials.properties";

  private static final String SUPERUSER_PASSWORD = "superuser.password";

  private final EmbeddedPostgresServer postgres;
  private final Path credentialsFile;

  ServiceDatabases(EmbeddedPostgresServer postgres, Path dataDir) {
    this.postgres = postgres;
    this.credentialsFile = dataDir.resolve(CREDENTIALS_FILE);
  }

  /**
   * Creates what is missing of each service's user and database.
   *
   * @return each service's password, by service name
   */
  Map<String, String> ensure(List<String> services) throws IOException, SQLException {
    Properties credentials = loadCredentials();
    boolean changed = false;
    for (String service : services) {
      if (!credentials.containsKey(service + ".password")) {
        credentials.setProperty(service + ".password", newPassword());
        changed = true;
      }
    }
    // Stored before any user is created, so a crash in between never leaves a password unknown.
    if (changed) {
      storeCredentials(credentials);
    }
    try (Connection c = postgres.connect("postgres")) {
      for (String service : services) {
        ensureUser(c, service, credentials.getProperty(service + ".password"));
        ensureDatabase(c, service);
      }
    }
    Map<String, String> passwords = new LinkedHashMap<>();
    services.forEach(
        service -> passwords.put(service, credentials.getProperty(service + ".password")));
    return passwords;
  }

  /**
   * The superuser's password, made and stored the first time: before the server starts, so that a
   * crash never leaves a password the server has but no one knows.
   */
  static String ensureSuperuserPassword(Path dataDir) throws IOException {
    ServiceDatabases databases = new ServiceDatabases(null, dataDir);
    Properties credentials = databases.loadCredentials();
    String password = credentials.getProperty(SUPERUSER_PASSWORD);
    if (password == null) {
      password = newPassword();
      credentials.setProperty(SUPERUSER_PASSWORD, password);
      databases.storeCredentials(credentials);
    }
    return password;
  }

  /** The superuser's password, as {@link #ensureSuperuserPassword} made it. */
  static String superuserPassword(Path dataDir) throws IOException {
    String password =
        new ServiceDatabases(null, dataDir).loadCredentials().getProperty(SUPERUSER_PASSWORD);
    if (password == null) {
      throw new PlatformSetupException(
          "No superuser password in " + dataDir.resolve(CREDENTIALS_FILE));
    }
    return password;
  }

  /**
   * The passwords of the platform's service users, by service name, as {@link #ensure} made them.
   */
  static Map<String, String> passwords(Path dataDir, List<String> services) throws IOException {
    Properties credentials = new ServiceDatabases(null, dataDir).loadCredentials();
    Map<String, String> passwords = new LinkedHashMap<>();
    for (String service : services) {
      String password = credentials.getProperty(service + ".password");
      if (password == null) {
        throw new PlatformSetupException(
            "No password for service " + service + " in " + dataDir.resolve(CREDENTIALS_FILE));
      }
      passwords.put(service, password);
    }
    return passwords;
  }

  /**
   * Creates the user, or gives an existing one its password again: one made while the server
   * trusted every connection may have another, never checked until now.
   */
  private static void ensureUser(Connection c, String user, String password) throws SQLException {
    boolean exists = exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", user);
    try (Statement s = c.createStatement()) {
      // The relay streams each service's outbox through logical replication, hence REPLICATION.
      s.execute(
          (exists ? "ALTER ROLE " : "CREATE ROLE ")
              + quote(user)
              + " LOGIN REPLICATION PASSWORD '"
              + password.replace("'", "''")
              + "'");
    }
  }

  private static void ensureDatabase(Connection c, String database) throws SQLException {
    if (exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", database)) {
      return;
    }
    try (Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + quote(database) + " OWNER " + quote(database));
    }
  }

  private static boolean exists(Connection c, String query, String name) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(query)) {
      s.setString(1, name);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** Service names such as {@code order} are SQL keywords, so identifiers are always quoted. */
  private static String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  private Properties loadCredentials() throws IOException {
    Properties credentials = new Properties();
    if (Files.exists(credentialsFile)) {
      try (Reader in = Files.newBufferedReader(credentialsFile)) {
        credentials.load(in);
      }
    }
    return credentials;
  }

  private void storeCredentials(Properties credentials) throws IOException {
    Path tmp =
        Files.createTempFile(
            credentialsFile.getParent(),
            CREDENTIALS_FILE,
            ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE);
        Writer out = Channels.newWriter(channel, StandardCharsets.UTF_8)) {
      credentials.store(out, "Database users of the local platform");
      out.flush();
      // On disk before the move, and the move before PostgreSQL keeps the passwords: after a power
      // cut, a renamed file whose content was not written yet would lock the platform out.
      channel.force(true);
    }
    Files.move(
        tmp, credentialsFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    try (FileChannel directory = FileChannel.open(credentialsFile.getParent())) {
      directory.force(true);
    }
  }

  private static String newPassword() {
    byte[] bytes = new byte[18];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
