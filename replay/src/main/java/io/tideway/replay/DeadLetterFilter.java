package io.tideway.replay;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which dead letters to re-drive. Filters are written {@code exception=<class name>} (the full
 * name, or the simple one: {@code IllegalStateException}) and {@code topic=<original topic>}; a
 * dead letter must match one value of each kind given, and have a timestamp at or after {@code
 * since} when one is given. No filter matches everything.
 */
public final class DeadLetterFilter {

  /** Every dead letter. */
  public static final DeadLetterFilter ALL = new DeadLetterFilter(Set.of(), Set.of(), null);

  private final Set<String> exceptions;
  private final Set<String> topics;
  private final Instant since;

  private DeadLetterFilter(Set<String> exceptions, Set<String> topics, Instant since) {
    this.exceptions = exceptions;
    this.topics = topics;
    this.since = since;
  }

  /**
   * Reads filters as operators write them.
   *
   * @param filters each {@code exception=<class name>} or {@code topic=<original topic>}
   * @param since only dead letters with a timestamp at or after this, or null for all
   * @throws ReplayException for a filter of another kind or without a value
   */
  public static DeadLetterFilter parse(List<String> filters, Instant since) {
    Set<String> exceptions = new LinkedHashSet<>();
    Set<String> topics = new LinkedHashSet<>();
    for (String filter : filters) {
      int equals = filter.indexOf('=');
      String kind = equals < 0 ? filter.strip() : filter.substring(0, equals).strip();
      String value = equals < 0 ? "" : filter.substring(equals + 1).strip();
      if (!kind.equals("exception") && !kind.equals("topic")) {
        throw new ReplayException(
            "Unknown filter '"
                + filter
                + "': write exception=<class name> or topic=<original topic>");
      }
      if (value.isEmpty()) {
        throw new ReplayException("The filter '" + filter + "' has no value after " + kind + "=");
      }
      (kind.equals("exception") ? exceptions : topics).add(value);
    }
    return new DeadLetterFilter(Set.copyOf(exceptions), Set.copyOf(topics), since);
  }

  /** The time dead letters must be at or after, or null. */
  public Instant since() {
    return since;
  }

  /** Whether {@code topic=} names the topic. */
  boolean names(String topic) {
    return topics.contains(topic);
  }

  /** Whether a dead letter passes every filter. */
  public boolean matches(DeadLetter letter) {
    // Record timestamps are milliseconds: a finer since must not leave out its own millisecond.
    if (since != null && letter.timestamp().toEpochMilli() < since.toEpochMilli()) {
      return false;
    }
    if (!topics.isEmpty()
        && (letter.originalTopic() == null || !topics.contains(letter.originalTopic()))) {
      return false;
    }
    return exceptions.isEmpty() || matchesException(letter.exception());
  }

  private boolean matchesException(String className) {
    if (className == null) {
      return false;
    }
    // Nested classes: org.example.Order$Invalid matches Order$Invalid and Invalid too.
    String afterPackage = className.substring(className.lastIndexOf('.') + 1);
    String simple = afterPackage.substring(afterPackage.lastIndexOf('$') + 1);
    return exceptions.contains(className)
        || exceptions.contains(afterPackage)
        || exceptions.contains(simple);
  }

  @Override
  public String toString() {
    if (exceptions.isEmpty() && topics.isEmpty() && since == null) {
      return "all dead letters";
    }
    StringBuilder text = new StringBuilder("dead letters");
    if (!exceptions.isEmpty()) {
      text.append(" with exception ").append(String.join(" or ", exceptions));
    }
    if (!topics.isEmpty()) {
      text.append(" from topic ").append(String.join(" or ", topics));
    }
    if (since != null) {
      text.append(" since ").append(since);
    }
    return text.toString();
  }
}
