package io.tideway.loadtest.dedupe;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

@TidewayTest
class DedupeBenchmarkIT {

  @Test
  void runsTheThreeTopologiesOverOneInputAndChecksExactness(TestKafka kafka) throws Exception {
    List<String> progress = new ArrayList<>();
    DedupeBenchmark.Settings settings =
        new DedupeBenchmark.Settings(
            kafka.bootstrapServers(), 2_000, 0.2, 2, 50, Duration.ofMinutes(2));

    DedupeBenchmark.Report report = new DedupeBenchmark(settings, progress::add).run();

    assertThat(report.exact()).isTrue();
    assertThat(report.passthrough().outputs()).isEqualTo(report.passthrough().inputs());
    assertThat(report.passthrough().inputs()).isGreaterThan(2_200);
    assertThat(report.ours().outputs()).isEqualTo(2_000);
    assertThat(report.classic().outputs()).isEqualTo(2_000);
    assertThat(report.oursToPassthrough()).isPositive();
    assertThat(report.lines())
        .anyMatch(line -> line.startsWith("ours / passthrough"))
        .anyMatch(line -> line.startsWith("ours / classic"));
    assertThat(progress).anyMatch(line -> line.startsWith("Running ours"));
    assertThat(kafka.admin().listTopics().names().get())
        .as("topics the run left on the broker")
        .noneMatch(topic -> topic.startsWith("loadtest-dedupe-"));
  }
}
