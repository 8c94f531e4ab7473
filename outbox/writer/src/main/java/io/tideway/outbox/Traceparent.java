package io.tideway.outbox;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The W3C Trace Context {@code traceparent}: {@code version-traceid-parentid-flags}. An event
 * carries the one of the work that appended it, so that the work its consumers do goes on in the
 * same trace.
 */
public final class Traceparent {

  private static final SecureRandom RANDOM = new SecureRandom();

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

  /** Whether a value is a traceparent W3C Trace Context allows. */
  public static boolean valid(String value) {
    try {
      require(value, "traceparent");
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * The traceparent of work done on behalf of {@code parent}: its trace and flags, a span id of its
   * own; a new trace (not sampled) when {@code parent} is absent or not a valid traceparent.
   */
  public static String childOf(String parent) {
    if (parent == null || !valid(parent)) {
      return "00-" + randomHex(16) + "-" + randomHex(8) + "-00";
    }
    return "00-" + traceId(parent) + "-" + randomHex(8) + "-" + parent.substring(53, 55);
  }

  /** The trace id of a valid traceparent. */
  public static String traceId(String traceparent) {
    return traceparent.substring(3, 35);
  }

  /** Random bytes as lowercase hex, never all zero (which W3C Trace Context forbids). */
  private static String randomHex(int bytes) {
    byte[] random = new byte[bytes];
    do {
      RANDOM.nextBytes(random);
    } while (allZero(random));
    return HexFormat.of().formatHex(random);
  }

  private static boolean allZero(byte[] bytes) {
    for (byte b : bytes) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }
}
