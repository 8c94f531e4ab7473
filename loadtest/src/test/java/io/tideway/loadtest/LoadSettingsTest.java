package io.tideway.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LoadSettingsTest {

  @Test
  void shouldRejectARunWithoutAnEnd() {
    assertThatThrownBy(() -> settings(-1, null, null, 100, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--records")
        .hasMessageContaining("--duration");
  }

  @Test
  void shouldAcceptARunBoundedByRecordsOrByTimeOrBoth() {
    assertThat(settings(-1, null, 10L, 100, Duration.ZERO).records()).hasValue(10);
    assertThat(settings(5, Duration.ofSeconds(2), null, 100, Duration.ZERO).duration())
        .contains(Duration.ofSeconds(2));
    assertThat(settings(5, Duration.ofSeconds(2), 10L, 100, Duration.ofSeconds(1)).unthrottled())
        .isFalse();
  }

  @Test
  void shouldRejectAZeroOrNegativeRateOtherThanUnthrottled() {
    assertThatThrownBy(() -> settings(0, null, 10L, 100, Duration.ZERO))
        .hasMessageContaining("--rate");
    assertThatThrownBy(() -> settings(-2, null, 10L, 100, Duration.ZERO))
        .hasMessageContaining("--rate");
    assertThat(settings(-1, null, 10L, 100, Duration.ZERO).unthrottled()).isTrue();
  }

  @Test
  void shouldRejectANonPositiveRecordSize() {
    assertThatThrownBy(() -> settings(-1, null, 10L, 0, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--record-size");
  }

  @Test
  void shouldRejectNonPositiveBoundsAndANegativeWarmup() {
    assertThatThrownBy(() -> settings(-1, Duration.ZERO, null, 100, Duration.ZERO))
        .hasMessageContaining("--duration");
    assertThatThrownBy(() -> settings(-1, null, 0L, 100, Duration.ZERO))
        .hasMessageContaining("--records");
    assertThatThrownBy(() -> settings(-1, null, 10L, 100, Duration.ofSeconds(-1)))
        .hasMessageContaining("--warmup");
    assertThatThrownBy(
            () -> new LoadSettings(-1, Optional.empty(), OptionalLong.of(1), 100, Duration.ZERO, 0))
        .hasMessageContaining("--topic-partitions");
  }

  @Test
  void shouldDescribeTheRunForPeople() {
    assertThat(LoadSettings.ofRecords(1_000).describe())
        .isEqualTo("1000 records, as fast as possible, 100 bytes each, 5s warm-up");
    assertThat(settings(2_000, Duration.ofSeconds(30), 10L, 64, Duration.ZERO).describe())
        .isEqualTo("10 records or 30s, 2000 records/s, 64 bytes each, 0s warm-up");
  }

  @Test
  void shouldShowAbsentBoundsAsNullInTheReport() {
    assertThat(LoadSettings.ofRecords(7).asMap())
        .containsEntry("rate", -1L)
        .containsEntry("duration", null)
        .containsEntry("records", 7L)
        .containsEntry("recordSize", 100)
        .containsEntry("warmup", "5s")
        .containsEntry("topicPartitions", 3);
  }

  private static LoadSettings settings(
      long rate, Duration duration, Long records, int recordSize, Duration warmup) {
    return new LoadSettings(
        rate,
        Optional.ofNullable(duration),
        records == null ? OptionalLong.empty() : OptionalLong.of(records),
        recordSize,
        warmup,
        3);
  }
}
