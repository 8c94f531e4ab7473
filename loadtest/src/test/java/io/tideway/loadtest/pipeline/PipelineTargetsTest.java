package io.tideway.loadtest.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tideway.loadtest.LatencySummary;
import io.tideway.loadtest.pipeline.PipelineBenchmark.Target;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PipelineTargetsTest {

  private static final LatencySummary FAST = new LatencySummary(10, 140, 12, 50, 130, 139);

  @Test
  void latencyMeetsItsTargetsOnlyWhereTheRateWasHeld() {
    List<Target> held = PipelineBenchmark.targets(1_000, 990, FAST, Optional.empty());
    List<Target> behind = PipelineBenchmark.targets(1_000, 673, FAST, Optional.empty());

    assertThat(held).extracting(Target::met).containsExactly(true, true, true);
    assertThat(behind)
        .extracting(Target::name, Target::atLeast, Target::met)
        .containsExactly(
            tuple("rate held at 1000/s", true, false),
            tuple("HTTP → queryable p50 at 1000/s", false, false),
            tuple("HTTP → queryable p99 at 1000/s", false, false));
  }

  @Test
  void latencyTargetsSetAtOneThousandPerSecondJudgeNoSlowerRun() {
    assertThat(PipelineBenchmark.targets(300, 299, FAST, Optional.empty()))
        .extracting(Target::name)
        .containsExactly("rate held at 300/s");
  }

  @Test
  void theP99ToThePeerIsJudgedOnlyWhereBothHeldTheRate() {
    assertThat(PipelineBenchmark.p99AtRate(1_000, 990, 130, 985, 260))
        .satisfies(ratio -> assertThat(ratio.value()).isEqualTo(0.5))
        .satisfies(ratio -> assertThat(ratio.met()).isTrue());
    // The peer fell behind, its backlog in its p99: no verdict, however low the ratio.
    assertThat(PipelineBenchmark.p99AtRate(1_000, 673, 130, 717, 15_163))
        .satisfies(ratio -> assertThat(ratio.hasTarget()).isFalse())
        .satisfies(ratio -> assertThat(ratio.met()).isFalse())
        .satisfies(ratio -> assertThat(ratio.name()).contains("a run fell behind"));
  }

  @Test
  void memoryIsJudgedByProportionalSetSize() {
    PlatformMemory.Peak peak = new PlatformMemory.Peak(3_500_000_000L, 2_400_000_000L, Map.of());

    List<Target> targets = PipelineBenchmark.targets(1_000, 990, FAST, Optional.of(peak));

    assertThat(targets.get(3).met()).isTrue();
  }
}
