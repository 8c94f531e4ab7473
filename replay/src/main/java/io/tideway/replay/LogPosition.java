package io.tideway.replay;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * A point in a partition's log: an {@link Offset}, or a {@link Time} that stands for the first
 * record with a timestamp at or after it.
 */
public sealed interface LogPosition permits LogPosition.Offset, LogPosition.Time {

  /** An offset in one partition. */
  record Offset(long offset) implements LogPosition {
    /**
     * @throws ReplayException for a negative offset
     */
    public Offset {
      if (offset < 0) {
        throw new ReplayException("An offset cannot be negative: " + offset);
      }
    }
  }

  /** A record timestamp, in any partition. */
  record Time(Instant time) implements LogPosition {
    @Override
    public String toString() {
      return time.toString();
    }
  }

  /**
   * Reads an upper bound as operators write it: a plain number is an offset; a time is an ISO-8601
   * date-time with its offset ({@code 2026-12-01T10:00:00Z}, {@code 2026-12-01T11:00:00+01:00}), or
   * epoch milliseconds after an {@code @} ({@code @1764583200000}), as in a source spec.
   *
   * @throws ReplayException when it is neither
   */
  static LogPosition parseBound(String text) {
    String trimmed = text.strip();
    if (trimmed.startsWith("@")) {
      return new Time(parseTime(trimmed.substring(1), "'" + text + "'"));
    }
    if (isNumber(trimmed)) {
      return new Offset(parseNumber(trimmed, "an offset"));
    }
    try {
      return new Time(OffsetDateTime.parse(trimmed).toInstant());
    } catch (DateTimeParseException e) {
      throw new ReplayException(
          "Neither an offset nor a time: '"
              + text
              + "' (write an offset, ISO-8601 with an offset such as 2026-12-01T10:00:00Z, or"
              + " @<epoch milliseconds>)");
    }
  }

  /**
   * Reads a time: an ISO-8601 date-time with its offset, or epoch milliseconds.
   *
   * @param what names the value in the error, e.g. {@code since}
   * @throws ReplayException when it is neither
   */
  static Instant parseTime(String text, String what) {
    String trimmed = text.strip();
    if (isNumber(trimmed)) {
      return Instant.ofEpochMilli(parseNumber(trimmed, what));
    }
    try {
      return OffsetDateTime.parse(trimmed).toInstant();
    } catch (DateTimeParseException e) {
      throw new ReplayException(
          "Not a time for "
              + what
              + ": '"
              + text
              + "' (write ISO-8601 with an offset such as 2026-12-01T10:00:00Z, or epoch"
              + " milliseconds)");
    }
  }

  private static boolean isNumber(String text) {
    return !text.isEmpty() && text.chars().allMatch(Character::isDigit);
  }

  private static long parseNumber(String digits, String what) {
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw new ReplayException("Too large a number for " + what + ": " + digits);
    }
  }
}
