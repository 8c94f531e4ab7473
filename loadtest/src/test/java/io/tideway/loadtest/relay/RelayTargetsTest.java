package io.tideway.loadtest.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RelayTargetsTest {

  @Test
  void latencyAtTheRateIsJudgedOnlyWhereTheWritersKeptTheirSchedule() {
    RelayBenchmark.Phase kept =
        new RelayBenchmark.Phase(1_000, 1, 995, 995, 29_850, 12, 80, 95, 110);
    RelayBenchmark.Phase behind =
        new RelayBenchmark.Phase(1_000, 1, 700, 700, 21_000, 12, 80, 95, 110);

    assertThat(RelayTargets.lines(new RelayBenchmark.Report(null, null, List.of(kept))))
        .singleElement()
        .asString()
        .endsWith(": PASS");
    assertThat(RelayTargets.lines(new RelayBenchmark.Report(null, null, List.of(behind))))
        .singleElement()
        .asString()
        .endsWith(": MISS (writers committed 700 tx/s)");
  }
}
