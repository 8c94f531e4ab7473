package io.tideway.schemas.client;

import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * In-memory registries shared by name across the process, behind {@code mock://<scope>} URLs: a
 * serializer and a deserializer configured separately with {@code
 * schema.registry.url=mock://orders-test} see the same registry, as in a {@code TopologyTestDriver}
 * test. The same URL as Confluent's serde uses for its mock registry.
 *
 * <p>A scope lives until {@link #drop dropped}; tests drop theirs when done.
 */
public final class MockSchemaRegistry {

  /** The URL scheme, with its separator. */
  public static final String PREFIX = "mock://";

  private static final ConcurrentMap<String, InMemorySchemaRegistry> SCOPES =
      new ConcurrentHashMap<>();

  private MockSchemaRegistry() {}

  /** The registry of a scope, created empty on first use. */
  public static InMemorySchemaRegistry scope(String name) {
    return SCOPES.computeIfAbsent(name, n -> new InMemorySchemaRegistry(PREFIX + n));
  }

  /** Forgets a scope: the next {@link #scope} with its name starts empty. */
  public static void drop(String name) {
    SCOPES.remove(name);
  }

  /** Whether a URL names a mock registry. */
  public static boolean isMockUrl(String url) {
    return url != null && url.trim().toLowerCase(Locale.ROOT).startsWith(PREFIX);
  }

  /**
   * The registry a {@code mock://<scope>} URL names.
   *
   * @throws IllegalArgumentException when the URL is not a mock URL or names no scope
   */
  public static InMemorySchemaRegistry forUrl(String url) {
    if (!isMockUrl(url)) {
      throw new IllegalArgumentException("not a " + PREFIX + " URL: " + url);
    }
    String name = url.trim().substring(PREFIX.length()).replaceAll("/+$", "");
    if (name.isEmpty()) {
      throw new IllegalArgumentException(url + " names no scope; use " + PREFIX + "<scope>");
    }
    return scope(name);
  }
}
