package io.tideway.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class PassthroughScenarioTest {

  @Test
  void shouldNameItsProcessors() {
    // when
    String topology = PassthroughScenario.topology("in", "out").describe().toString();

    // then
    assertThat(topology)
        .contains("Source: " + PassthroughScenario.SOURCE_NAME + " (topics: [in])")
        .contains("Sink: " + PassthroughScenario.SINK_NAME + " (topic: out)");
  }

  @Test
  void shouldNeedRoomForTheStampInEachRecord() {
    // given
    PassthroughScenario scenario =
        new PassthroughScenario(Guarantee.AT_LEAST_ONCE, Map.of(), Map.of());

    // when / then
    assertThatThrownBy(() -> scenario.check(withRecordSize(RecordStamp.SIZE - 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--record-size must be at least 16");
    assertThatCode(() -> scenario.check(withRecordSize(RecordStamp.SIZE)))
        .doesNotThrowAnyException();
  }

  @Test
  void shouldCommitOftenUnderExactlyOnceAndLetSettingsBeOverridden() {
    // given
    PassthroughScenario exactlyOnce =
        new PassthroughScenario(
            Guarantee.EXACTLY_ONCE_V2, Map.of("linger.ms", "0"), Map.of("num.stream.threads", "2"));

    // when
    Map<String, Object> settings = exactlyOnce.settings();

    // then
    assertThat(settings).containsEntry("guarantee", "exactly_once_v2");
    assertThat(settings.get("streams"))
        .isEqualTo(
            Map.of(
                "processing.guarantee", "exactly_once_v2",
                "commit.interval.ms", "100",
                "producer.linger.ms", "5",
                "num.stream.threads", "2"));
    assertThat(settings.get("producer")).asString().contains("linger.ms=0").contains("acks=all");
  }

  @Test
  void shouldNameGuaranteesAsKafkaStreamsDoes() {
    assertThat(Guarantee.parse("at_least_once")).isEqualTo(Guarantee.AT_LEAST_ONCE);
    assertThat(Guarantee.parse("exactly_once_v2")).isEqualTo(Guarantee.EXACTLY_ONCE_V2);
    assertThatThrownBy(() -> Guarantee.parse("exactly_once"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--guarantee must be one of at_least_once, exactly_once_v2 (was 'exactly_once')");
  }

  private static LoadSettings withRecordSize(int size) {
    return new LoadSettings(-1, Optional.empty(), OptionalLong.of(1), size, Duration.ZERO, 1);
  }
}
