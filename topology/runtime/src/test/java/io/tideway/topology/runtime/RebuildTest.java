package io.tideway.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RebuildTest {

  @Test
  void eachStepOfTheSwitchMayTakeTenCommitIntervalsAndTwoMinutesAtLeast() {
    assertThat(Rebuild.switchTimeout(Duration.ofMillis(100))).isEqualTo(Duration.ofMinutes(2));
    assertThat(Rebuild.switchTimeout(Duration.ofSeconds(30))).isEqualTo(Duration.ofMinutes(5));
    assertThat(Rebuild.switchTimeout(Duration.ofMinutes(3))).isEqualTo(Duration.ofMinutes(30));
  }
}
