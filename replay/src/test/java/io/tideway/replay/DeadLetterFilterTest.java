package io.tideway.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeadLetterFilterTest {

  private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

  @Test
  void shouldMatchEverythingWithoutFilters() {
    assertThat(DeadLetterFilter.ALL.matches(letter("order.events", null, T))).isTrue();
    assertThat(DeadLetterFilter.parse(List.of(), null).matches(letter(null, null, T))).isTrue();
  }

  @Test
  void shouldMatchAnExceptionByItsFullOrSimpleName() {
    DeadLetter nested = letter("order.events", "org.example.Order$Invalid", T);
    DeadLetter plain = letter("order.events", "java.lang.IllegalStateException", T);

    assertThat(filter("exception=IllegalStateException").matches(plain)).isTrue();
    assertThat(filter("exception=java.lang.IllegalStateException").matches(plain)).isTrue();
    assertThat(filter("exception=IllegalArgumentException").matches(plain)).isFalse();
    assertThat(filter("exception=StateException").matches(plain)).isFalse();
    assertThat(filter("exception=Invalid").matches(nested)).isTrue();
    assertThat(filter("exception=Order$Invalid").matches(nested)).isTrue();
    assertThat(filter("exception=org.example.Order$Invalid").matches(nested)).isTrue();
    assertThat(filter("exception=Invalid").matches(letter("order.events", null, T))).isFalse();
  }

  @Test
  void shouldMatchOneValueOfEachKindGiven() {
    DeadLetterFilter filter =
        DeadLetterFilter.parse(
            List.of("topic=order.events", "topic=customer.events", "exception=Invalid"), null);

    assertThat(filter.matches(letter("customer.events", "x.Invalid", T))).isTrue();
    assertThat(filter.matches(letter("inventory.events", "x.Invalid", T))).isFalse();
    assertThat(filter.matches(letter("order.events", "x.Other", T))).isFalse();
    assertThat(filter.matches(letter(null, "x.Invalid", T))).isFalse();
  }

  @Test
  void shouldMatchDeadLettersAtOrAfterSince() {
    DeadLetterFilter since = DeadLetterFilter.parse(List.of(), T);

    assertThat(since.matches(letter("t", null, T))).isTrue();
    assertThat(since.matches(letter("t", null, T.plusMillis(1)))).isTrue();
    assertThat(since.matches(letter("t", null, T.minusMillis(1)))).isFalse();
  }

  @Test
  void shouldRefuseUnknownOrEmptyFilters() {
    assertThatThrownBy(() -> filter("partition=2"))
        .isInstanceOf(ReplayException.class)
        .hasMessageContaining("Unknown filter 'partition=2'");
    assertThatThrownBy(() -> filter("exception="))
        .isInstanceOf(ReplayException.class)
        .hasMessageContaining("has no value");
  }

  private static DeadLetterFilter filter(String filter) {
    return DeadLetterFilter.parse(List.of(filter), null);
  }

  private static DeadLetter letter(String topic, String exception, Instant timestamp) {
    return new DeadLetter("app.dlq", 0, 0, timestamp, topic, 0, 0L, timestamp, exception, "m");
  }
}
