package io.tideway.schemas.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Who may use a schema registry, and what for: HTTP Basic credentials, as Confluent's serdes send
 * them ({@code basic.auth.credentials.source=USER_INFO}, {@code
 * basic.auth.user.info=name:password}). A {@link Role#READER} reads, looks schemas up and checks
 * compatibility, and may "register" a schema the subject already has (answered with its id, as
 * producers with {@code auto.register.schemas} do at every start); a {@link Role#WRITER} may also
 * register new schemas, delete and change compatibility levels.
 *
 * <p>The file has a user a line, in the layout of Jetty's realm properties (Confluent Schema
 * Registry's {@code PropertyFileLoginModule}), with one of the two roles: {@code name: password,
 * writer}. Blank lines and lines starting with {@code #} are skipped. Passwords are plain text
 * (Jetty's {@code OBF:}, {@code MD5:} and {@code CRYPT:} forms are refused), kept as the file has
 * them, so keep it readable by the registry's user only, as a mounted secret.
 *
 * <pre>{@code
 * # name: password, role
 * order-service: s3cret, writer
 * dashboards: an0ther, reader
 * }</pre>
 */
public final class RegistryUsers {

  /** What a user may do. */
  public enum Role {
    /** Reads, lookups, compatibility checks, registrations of schemas already registered. */
    READER,
    /** Everything a reader does, and new registrations, deletions and compatibility levels. */
    WRITER
  }

  private static final String BASIC = "Basic ";

  /** The password forms of Jetty's realm files that are not plain text. */
  private static final List<String> JETTY_SCHEMES = List.of("OBF:", "MD5:", "CRYPT:");

  /** What an unknown user's password is compared with, so that it takes as long as a known's. */
  private static final byte[] NOBODY = digest("");

  private final Map<String, User> users;

  private record User(byte[] passwordDigest, Role role) {}

  private RegistryUsers(Map<String, User> users) {
    this.users = Map.copyOf(users);
  }

  /**
   * Reads the users from a file.
   *
   * @throws IllegalArgumentException naming the file and the line that cannot be read, or when it
   *     names no user
   * @throws IOException when the file cannot be read
   */
  public static RegistryUsers read(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
  }

  /**
   * Reads users from text in the file's layout.
   *
   * @param source what to name in errors, such as the file
   * @throws IllegalArgumentException naming the source and the line that cannot be read, or when it
   *     names no user
   */
  public static RegistryUsers parse(String text, String source) {
    Map<String, User> users = new HashMap<>();
    String[] lines = text.split("\\R", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = source + ", line " + (i + 1) + ": ";
      int colon = line.indexOf(':');
      int comma = line.lastIndexOf(',');
      if (colon <= 0 || comma < colon) {
        throw new IllegalArgumentException(
            where + "not 'name: password, role' (role: reader or writer)");
      }
      String name = line.substring(0, colon).strip();
      String password = line.substring(colon + 1, comma).strip();
      String role = line.substring(comma + 1).strip().toUpperCase(Locale.ROOT);
      if (password.isEmpty()) {
        throw new IllegalArgumentException(where + "user " + name + " has no password");
      }
      for (String scheme : JETTY_SCHEMES) {
        if (password.startsWith(scheme)) {
          throw new IllegalArgumentException(
              where
                  + "user "
                  + name
                  + " has a password in Jetty's "
                  + scheme
                  + " form, which this registry does not read: give it as plain text");
        }
      }
      if (!role.equals("READER") && !role.equals("WRITER")) {
        throw new IllegalArgumentException(
            where + "unknown role '" + line.substring(comma + 1).strip() + "': reader or writer");
      }
      if (users.put(name, new User(digest(password), Role.valueOf(role))) != null) {
        throw new IllegalArgumentException(where + "user " + name + " is named twice");
      }
    }
    if (users.isEmpty()) {
      throw new IllegalArgumentException(source + " names no user");
    }
    return new RegistryUsers(users);
  }

  /**
   * The role of the user a request's {@code Authorization} header authenticates.
   *
   * @param authorization the header, or null when the request has none
   * @return the role, or null when the header names no known user with the right password
   */
  public Role role(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, BASIC, 0, BASIC.length())) {
      return null;
    }
    String credentials;
    try {
      credentials =
          new String(
              Base64.getDecoder().decode(authorization.substring(BASIC.length()).strip()),
              StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = credentials.indexOf(':');
    if (colon < 0) {
      return null;
    }
    User user = users.get(credentials.substring(0, colon));
    // Digests compared in constant time: neither the password nor whether the user exists shows
    // in how long a refusal takes.
    boolean matches =
        MessageDigest.isEqual(
            user == null ? NOBODY : user.passwordDigest(),
            digest(credentials.substring(colon + 1)));
    return user != null && matches ? user.role() : null;
  }

  private static byte[] digest(String password) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java has SHA-256", e);
    }
  }
}
