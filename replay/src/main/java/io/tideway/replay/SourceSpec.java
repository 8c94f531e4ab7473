package io.tideway.replay;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * Where a copy starts, as operators write it: {@code <topic>[:<partition>[@<offset>]]} or {@code
 * <topic>@<time>}.
 *
 * <ul>
 *   <li>{@code orders} — every partition from its earliest offset;
 *   <li>{@code orders:2} — partition 2 from its earliest offset;
 *   <li>{@code orders:2@150} — partition 2 from offset 150;
 *   <li>{@code orders@2026-12-01T10:00:00Z} or {@code orders@1764583200000} — every partition from
 *       its first record with a timestamp at or after that time (ISO-8601 with an offset, or epoch
 *       milliseconds).
 * </ul>
 *
 * @param topic the source topic
 * @param partition the one partition to copy, or empty for every partition
 * @param start the first offset or time to copy, or empty for each partition's earliest offset
 */
public record SourceSpec(String topic, OptionalInt partition, Optional<LogPosition> start) {

  // Kafka's own rule for topic names; ':' and '@' are not in it, so they can delimit a spec.
  private static final Pattern TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  /**
   * @throws ReplayException for an offset without a partition, or a time with one
   */
  public SourceSpec {
    checkTopicName(topic, "source");
    if (start.isPresent()) {
      boolean offset = start.get() instanceof LogPosition.Offset;
      if (offset && partition.isEmpty()) {
        throw new ReplayException(
            "An offset belongs to one partition: write " + topic + ":<partition>@<offset>");
      }
      if (!offset && partition.isPresent()) {
        throw new ReplayException(
            "A start time applies to every partition: write " + topic + "@<time>");
      }
    }
  }

  /**
   * Reads a source spec.
   *
   * @throws ReplayException naming what in the spec is wrong
   */
  public static SourceSpec parse(String spec) {
    String text = spec.strip();
    int at = text.indexOf('@');
    String topicAndPartition = at < 0 ? text : text.substring(0, at);
    String position = at < 0 ? null : text.substring(at + 1);
    int colon = topicAndPartition.indexOf(':');
    String topic = colon < 0 ? topicAndPartition : topicAndPartition.substring(0, colon);
    checkTopicName(topic, "source");
    if (colon < 0) {
      if (position == null) {
        return new SourceSpec(topic, OptionalInt.empty(), Optional.empty());
      }
      return new SourceSpec(
          topic,
          OptionalInt.empty(),
          Optional.of(new LogPosition.Time(LogPosition.parseTime(position, "'" + spec + "'"))));
    }
    int partition = partition(topicAndPartition.substring(colon + 1), spec);
    if (position == null) {
      return new SourceSpec(topic, OptionalInt.of(partition), Optional.empty());
    }
    if (position.isEmpty() || !position.chars().allMatch(Character::isDigit)) {
      throw new ReplayException(
          "After '"
              + topic
              + ":"
              + partition
              + "@' comes an offset, not '"
              + position
              + "'; to start at a time in every partition write "
              + topic
              + "@<time>");
    }
    return new SourceSpec(
        topic, OptionalInt.of(partition), Optional.of(new LogPosition.Offset(offset(position))));
  }

  /** Whether {@code name} is a legal Kafka topic name. */
  static boolean isTopicName(String name) {
    return name != null && TOPIC_NAME.matcher(name).matches();
  }

  /**
   * @throws ReplayException when {@code name} is not a legal Kafka topic name
   */
  static void checkTopicName(String name, String role) {
    if (!isTopicName(name)) {
      throw new ReplayException(
          "Not a topic name for the "
              + role
              + ": '"
              + name
              + "' (letters, digits, '.', '_' and '-', at most 249)");
    }
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder(topic);
    partition.ifPresent(p -> text.append(':').append(p));
    start.ifPresent(
        position ->
            text.append('@')
                .append(
                    position instanceof LogPosition.Offset offset
                        ? String.valueOf(offset.offset())
                        : position.toString()));
    return text.toString();
  }

  private static int partition(String digits, String spec) {
    if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit) || digits.length() > 9) {
      throw new ReplayException("Not a partition number in '" + spec + "': '" + digits + "'");
    }
    return Integer.parseInt(digits);
  }

  private static long offset(String digits) {
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw new ReplayException("Too large an offset: " + digits);
    }
  }
}
