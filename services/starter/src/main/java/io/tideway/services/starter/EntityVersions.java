package io.tideway.services.starter;

import java.util.OptionalLong;

/**
 * An aggregate's version as an HTTP entity tag: {@code "3"} for version 3, strong, because the
 * version changes with every change of the aggregate.
 */
public final class EntityVersions {

  private EntityVersions() {}

  /** The entity tag of a version. */
  public static String etag(long version) {
    return "\"" + version + "\"";
  }

  /**
   * The version an {@code If-Match} header asks for.
   *
   * @param ifMatch the header's value, or null when absent
   * @return empty when the header is absent or {@code *} (any version); {@code -1}, which matches
   *     no version, for a tag the service never gave out
   */
  public static OptionalLong ifMatch(String ifMatch) {
    if (ifMatch == null || ifMatch.isBlank() || ifMatch.strip().equals("*")) {
      return OptionalLong.empty();
    }
    String tag = ifMatch.strip();
    if (tag.startsWith("W/")) {
      tag = tag.substring(2);
    }
    if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
      tag = tag.substring(1, tag.length() - 1);
    }
    try {
      return OptionalLong.of(Long.parseLong(tag));
    } catch (NumberFormatException e) {
      // Matches no version the service ever gives out.
      return OptionalLong.of(-1);
    }
  }
}
