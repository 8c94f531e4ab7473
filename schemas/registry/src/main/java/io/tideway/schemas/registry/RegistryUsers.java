package io.tideway.schemas.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

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
 * writer}. Blank lines and lines starting with {@code #} are skipped. A password is plain text, or
 * hashed: {@code PBKDF2-SHA256:<iterations>:<salt>:<hash>} (salt and hash in Base64), as {@link
 * #hash} makes it, so that the file does not give the passwords away. Jetty's {@code OBF:}, {@code
 * MD5:} and {@code CRYPT:} forms, which do not hide a password, are refused. Keep the file readable
 * by the registry's user only all the same, as a mounted secret.
 *
 * <p>A hashed password costs one hash (tens of milliseconds) when a user's password is first
 * presented, and after that a comparison of digests: clients send their credentials with every
 * request. A request with a wrong password, or an unknown user's when the file has hashed
 * passwords, costs a hash each time.
 *
 * <pre>{@code
 * # name: password, role
 * order-service: s3cret, writer
 * dashboards: PBKDF2-SHA256:100000:lNDk0Gq3n0Yy3gq4n1aHkA==:3oWr…, reader
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

  /** The iterations {@link #hash} uses: about 50 ms of a core. */
  public static final int DEFAULT_ITERATIONS = 100_000;

  /** The fewest iterations a hashed password may have. */
  static final int MIN_ITERATIONS = 10_000;

  private static final String BASIC = "Basic ";
  private static final String PBKDF2 = "PBKDF2-SHA256:";
  private static final String PBKDF2_ALGORITHM = "PBKDF2WithHmacSHA256";
  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;

  /** The password forms of Jetty's realm files that are not plain text. */
  private static final List<String> JETTY_SCHEMES = List.of("OBF:", "MD5:", "CRYPT:");

  /** What an unknown user's password is compared with, so that it takes as long as a known's. */
  private static final byte[] NOBODY = digest("");

  private final Map<String, User> users;

  /** An unknown user's hash, as costly as the costliest user's; null without hashed passwords. */
  private final Hashed nobodyHashed;

  /** The digest of the password each hashed user last authenticated with. */
  private final Map<String, byte[]> verified = new ConcurrentHashMap<>();

  /**
   * A user.
   *
   * @param passwordDigest the plain password's digest, or null when hashed
   * @param hashed the hashed password, or null when plain
   */
  private record User(byte[] passwordDigest, Hashed hashed, Role role) {}

  /** A password hashed with PBKDF2 and HMAC-SHA256. */
  private record Hashed(int iterations, byte[] salt, byte[] hash) {
    boolean matches(String password) {
      return MessageDigest.isEqual(hash, pbkdf2(password, salt, iterations, hash.length));
    }
  }

  private RegistryUsers(Map<String, User> users) {
    this.users = Map.copyOf(users);
    this.nobodyHashed =
        users.values().stream()
            .map(User::hashed)
            .filter(Objects::nonNull)
            .max(Comparator.comparingInt(Hashed::iterations))
            .map(h -> new Hashed(h.iterations(), new byte[SALT_BYTES], new byte[HASH_BYTES]))
            .orElse(null);
  }

  /**
   * A password in the hashed form the file takes, with a random salt.
   *
   * @param iterations at least 10,000; {@link #DEFAULT_ITERATIONS} unless there is reason
   */
  public static String hash(String password, int iterations) {
    if (iterations < MIN_ITERATIONS) {
      throw new IllegalArgumentException(
          "A hash needs at least " + MIN_ITERATIONS + " iterations, not " + iterations);
    }
    byte[] salt = new byte[SALT_BYTES];
    new SecureRandom().nextBytes(salt);
    Base64.Encoder base64 = Base64.getEncoder();
    return PBKDF2
        + iterations
        + ":"
        + base64.encodeToString(salt)
        + ":"
        + base64.encodeToString(pbkdf2(password, salt, iterations, HASH_BYTES));
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
      User user =
          password.startsWith(PBKDF2)
              ? new User(null, hashed(password, where + "user " + name), Role.valueOf(role))
              : new User(digest(password), null, Role.valueOf(role));
      if (users.put(name, user) != null) {
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
    String name = credentials.substring(0, colon);
    String password = credentials.substring(colon + 1);
    User user = users.get(name);
    byte[] given = digest(password);
    // Digests compared in constant time, and an unknown user hashed like a known one: neither the
    // password nor whether the user exists shows in how long a refusal takes.
    if (user == null) {
      if (nobodyHashed != null) {
        nobodyHashed.matches(password);
      } else {
        MessageDigest.isEqual(NOBODY, given);
      }
      return null;
    }
    if (user.hashed() == null) {
      return MessageDigest.isEqual(user.passwordDigest(), given) ? user.role() : null;
    }
    byte[] known = verified.get(name);
    if (known != null && MessageDigest.isEqual(known, given)) {
      return user.role();
    }
    if (!user.hashed().matches(password)) {
      return null;
    }
    verified.put(name, given);
    return user.role();
  }

  /** Reads a password's hashed form, naming what is wrong with it. */
  private static Hashed hashed(String form, String whose) {
    String[] parts = form.substring(PBKDF2.length()).split(":", -1);
    String layout =
        " ("
            + PBKDF2
            + "<iterations>:<salt>:<hash>, as 'tideway registry hash-password' writes it)";
    if (parts.length != 3) {
      throw new IllegalArgumentException(whose + " has a hashed password not in the form" + layout);
    }
    int iterations;
    byte[] salt;
    byte[] hash;
    try {
      iterations = Integer.parseInt(parts[0]);
      salt = Base64.getDecoder().decode(parts[1]);
      hash = Base64.getDecoder().decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          whose + " has a hashed password not in the form" + layout + ": " + e.getMessage());
    }
    if (iterations < MIN_ITERATIONS) {
      throw new IllegalArgumentException(
          whose
              + " has a hashed password of "
              + iterations
              + " iterations, fewer than "
              + MIN_ITERATIONS);
    }
    if (salt.length < SALT_BYTES / 2 || hash.length < HASH_BYTES / 2) {
      throw new IllegalArgumentException(
          whose + " has a hashed password whose salt or hash is too short" + layout);
    }
    return new Hashed(iterations, salt, hash);
  }

  private static byte[] pbkdf2(String password, byte[] salt, int iterations, int bytes) {
    PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, bytes * 8);
    try {
      return SecretKeyFactory.getInstance(PBKDF2_ALGORITHM).generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Every Java has " + PBKDF2_ALGORITHM, e);
    } finally {
      spec.clearPassword();
    }
  }

  private static byte[] digest(String password) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java has SHA-256", e);
    }
  }
}
