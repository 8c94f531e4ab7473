package io.tideway.services.starter;

import java.util.HashSet;
import java.util.Set;
import java.util.function.LongPredicate;

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
   * The versions an {@code If-Match} header accepts, compared strongly as RFC 9110 asks: any when
   * the header is absent or {@code *}; otherwise those of its strong tags (it may list several). A
   * weak tag ({@code W/"3"}), one the service never gave out, and an empty header match none, so
   * the write is refused rather than made unchecked.
   *
   * @param ifMatch the header's value, or null when absent
   */
  public static LongPredicate ifMatch(String ifMatch) {
    if (ifMatch == null || ifMatch.strip().equals("*")) {
      return version -> true;
    }
    // Character for character, as a strong comparison is: "03" is no tag the service gave out.
    Set<String> tags = new HashSet<>();
    for (String listed : ifMatch.split(",")) {
      tags.add(listed.strip());
    }
    return version -> tags.contains(etag(version));
  }
}
