package io.tideway.outbox;

import java.util.regex.Pattern;

/** The W3C Trace Context {@code traceparent}: {@code version-traceid-parentid-flags}. */
final class Traceparent {

  private static final Pattern FORMAT =
      Pattern.compile("^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$");
  private static final String ZERO_TRACE_ID = "0".repeat(32);
  private static final String ZERO_PARENT_ID = "0".repeat(16);

  private Traceparent() {}

  /**
   * @param origin where the value came from, for the message
   * @throws IllegalArgumentException naming the origin and what is wrong
   */
  static String require(String value, String origin) {
    if (value == null || !FORMAT.matcher(value).matches()) {
      throw new IllegalArgumentException(
          origin
              + " '"
              + value
              + "' is not a W3C traceparent: expected version-traceid-parentid-flags in lowercase"
              + " hex, 2-32-16-2 digits, such as 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    }
    if (value.startsWith("ff")) {
      throw new IllegalArgumentException(
          origin + " '" + value + "' has version ff, which W3C Trace Context forbids");
    }
    if (traceId(value).equals(ZERO_TRACE_ID)) {
      throw new IllegalArgumentException(
          origin + " '" + value + "' has an all-zero trace id, which W3C Trace Context forbids");
    }
    if (value.substring(36, 52).equals(ZERO_PARENT_ID)) {
      throw new IllegalArgumentException(
          origin + " '" + value + "' has an all-zero parent id, which W3C Trace Context forbids");
    }
    return value;
  }

  static String traceId(String traceparent) {
    return traceparent.substring(3, 35);
  }
}
