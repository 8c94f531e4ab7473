package io.tideway.loadtest;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people type them on a command line: {@code 500ms}, {@code 30s}, {@code 2m}, {@code
 * 1h}, or parts run together as in {@code 1m30s}. ISO-8601 ({@code PT30S}) is accepted as well.
 */
public final class DurationText {

  private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h)");
  private static final Pattern WHOLE = Pattern.compile("(\\d+(ms|s|m|h))+");

  private DurationText() {}

  /**
   * Parses a duration.
   *
   * @throws IllegalArgumentException when the text is not a duration, with an example that is
   */
  public static Duration parse(String text) {
    String trimmed = text == null ? "" : text.trim();
    if (trimmed.equals("0")) {
      return Duration.ZERO;
    }
    if (trimmed.regionMatches(true, 0, "PT", 0, 2)) {
      try {
        return Duration.parse(trimmed);
      } catch (DateTimeParseException e) {
        throw invalid(text);
      }
    }
    if (!WHOLE.matcher(trimmed).matches()) {
      throw invalid(text);
    }
    Duration total = Duration.ZERO;
    Matcher part = PART.matcher(trimmed);
    try {
      while (part.find()) {
        long amount = Long.parseLong(part.group(1));
        total =
            switch (part.group(2)) {
              case "ms" -> total.plusMillis(amount);
              case "s" -> total.plusSeconds(amount);
              case "m" -> total.plusMinutes(amount);
              default -> total.plusHours(amount);
            };
      }
    } catch (ArithmeticException | NumberFormatException e) {
      throw invalid(text);
    }
    return total;
  }

  /**
   * Formats a duration the way {@link #parse} reads it, e.g. {@code 1m30s}; zero is {@code 0s}.
   * Negative durations and those with parts below a millisecond come out as ISO-8601.
   */
  public static String format(Duration duration) {
    if (duration.isZero()) {
      return "0s";
    }
    if (duration.isNegative() || duration.toNanosPart() % 1_000_000 != 0) {
      return duration.toString();
    }
    StringBuilder text = new StringBuilder();
    appendPart(text, duration.toHours(), "h");
    appendPart(text, duration.toMinutesPart(), "m");
    appendPart(text, duration.toSecondsPart(), "s");
    appendPart(text, duration.toMillisPart(), "ms");
    return text.toString();
  }

  private static void appendPart(StringBuilder text, long amount, String unit) {
    if (amount > 0) {
      text.append(amount).append(unit);
    }
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "'" + text + "' is not a duration: use e.g. 500ms, 30s, 2m, 1h or 1m30s");
  }
}
