package io.tideway.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationTextTest {

  @Test
  void shouldParseDurationsAsTypedOnACommandLine() {
    assertThat(DurationText.parse("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(DurationText.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(DurationText.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(DurationText.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(DurationText.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(DurationText.parse(" 0s ")).isEqualTo(Duration.ZERO);
    assertThat(DurationText.parse("0")).isEqualTo(Duration.ZERO);
  }

  @Test
  void shouldAcceptIso8601() {
    assertThat(DurationText.parse("PT45S")).isEqualTo(Duration.ofSeconds(45));
  }

  @Test
  void shouldRejectTextThatIsNotADurationWithAnExample() {
    for (String text : new String[] {"30", "3x", "s", "-5s", "1.5s", "", "PTX"}) {
      assertThatThrownBy(() -> DurationText.parse(text))
          .as(text)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("is not a duration")
          .hasMessageContaining("30s");
    }
  }

  @Test
  void shouldFormatDurationsTheWayItParsesThem() {
    assertThat(DurationText.format(Duration.ZERO)).isEqualTo("0s");
    assertThat(DurationText.format(Duration.ofSeconds(5))).isEqualTo("5s");
    assertThat(DurationText.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
    assertThat(DurationText.format(Duration.ofMillis(2_500))).isEqualTo("2s500ms");
    assertThat(DurationText.format(Duration.ofHours(2))).isEqualTo("2h");
    for (String text : new String[] {"1h2m3s4ms", "45s", "10m"}) {
      assertThat(DurationText.format(DurationText.parse(text))).isEqualTo(text);
    }
  }
}
