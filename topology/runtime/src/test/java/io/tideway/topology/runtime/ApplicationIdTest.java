package io.tideway.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which application id a deployment runs under, from what the deployments topic records. */
class ApplicationIdTest {

  @Test
  void shouldRunTheProvidersOwnIdUntilARebuildRecordedAGeneration() {
    assertThat(TopologyRuntime.applicationIdOf("orders", Set.of())).isEqualTo("orders");
    assertThat(TopologyRuntime.applicationIdOf("orders", Set.of("orders", "payments-g2")))
        .isEqualTo("orders");
  }

  @Test
  void shouldRunTheLatestGenerationByNumberNotByName() {
    assertThat(
            TopologyRuntime.applicationIdOf(
                "orders", Set.of("orders", "orders-g2", "orders-g10", "orders-g9")))
        .isEqualTo("orders-g10");
  }

  @Test
  void shouldNotMistakeAnotherApplicationWhoseIdStartsAlikeForAGeneration() {
    assertThat(
            TopologyRuntime.applicationIdOf(
                "orders", Set.of("orders-g2-archive", "orders-gx", "orders-view-g3", "orders-g")))
        .isEqualTo("orders");
  }
}
