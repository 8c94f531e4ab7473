package io.tideway.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tideway.topology.SideEffects;
import io.tideway.topology.saga.SagaStatus;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class SagaMetersTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Map<String, Map<String, Integer>> inFlight = new ConcurrentHashMap<>();

  @Test
  void shouldKeepTheInFlightGaugeTrueAcrossVersionsOfADeployment() {
    new SagaMeters("orders", registry, SideEffects.LIVE, inFlight).inFlight("place", "0_0", 3);
    // A redeployed version counts again into what the gauge registered first reads.
    new SagaMeters("orders", registry, SideEffects.LIVE, inFlight).inFlight("place", "0_0", 1);

    assertThat(registry.get("tideway.saga.in.flight").gauge().value()).isEqualTo(1.0);
  }

  @Test
  void shouldCountNothingWhileARebuildReplaysHistory() {
    boolean[] live = {false};
    SagaMeters rebuild = new SagaMeters("orders", registry, () -> live[0], inFlight);

    rebuild.started("place");
    rebuild.ended("place", SagaStatus.COMPLETED);
    rebuild.inFlight("place", "0_0", 5);
    rebuild.timedOut("place", "approve-order", false);
    assertThat(registry.find("tideway.saga.started").counter()).isNull();
    assertThat(registry.find("tideway.saga.step.timeouts").counter()).isNull();
    assertThat(registry.find("tideway.saga.in.flight").gauge()).isNull();

    live[0] = true;
    rebuild.started("place");
    assertThat(registry.get("tideway.saga.started").counter().count()).isEqualTo(1.0);
  }

  @Test
  void shouldLetARetiredVersionsTasksCloseToZero() {
    new SagaMeters("orders", registry, SideEffects.LIVE, inFlight).inFlight("place", "0_1", 4);
    boolean[] live = {true};
    SagaMeters old = new SagaMeters("orders", registry, () -> live[0], inFlight);
    old.inFlight("place", "0_0", 3);

    // A rebuild's switch: the old version stops being live, then its tasks close.
    live[0] = false;
    old.inFlight("place", "0_0", 2);
    assertThat(registry.get("tideway.saga.in.flight").gauge().value()).isEqualTo(7.0);
    old.inFlight("place", "0_0", 0);

    assertThat(registry.get("tideway.saga.in.flight").gauge().value()).isEqualTo(4.0);
  }

  @Test
  void shouldLeaveTheLiveCountOfATaskAloneWhileARebuildReplaysIt() {
    new SagaMeters("orders", registry, SideEffects.LIVE, inFlight).inFlight("place", "0_0", 3);
    SagaMeters rebuild = new SagaMeters("orders", registry, () -> false, inFlight);

    rebuild.inFlight("place", "0_0", 0);
    rebuild.inFlight("place", "0_0", 2);
    rebuild.inFlight("place", "0_0", 0);

    assertThat(registry.get("tideway.saga.in.flight").gauge().value()).isEqualTo(3.0);
  }

  @Test
  void shouldCountTimeoutsAndResendsPerStepAndDirection() {
    SagaMeters meters = new SagaMeters("orders", registry, SideEffects.LIVE, inFlight);

    meters.timedOut("place", "approve-order", false);
    meters.resent("place", "approve-order", false);
    meters.resent("place", "approve-order", false);
    meters.resent("place", "reserve-credit", true);

    assertThat(
            registry
                .get("tideway.saga.step.resends")
                .tags("step", "approve-order", "compensation", "false")
                .counter()
                .count())
        .isEqualTo(2.0);
    assertThat(
            registry
                .get("tideway.saga.step.resends")
                .tags("step", "reserve-credit", "compensation", "true")
                .counter()
                .count())
        .isEqualTo(1.0);
    assertThat(
            registry
                .get("tideway.saga.step.timeouts")
                .tags("deployment", "orders", "saga", "place", "step", "approve-order")
                .counter()
                .count())
        .isEqualTo(1.0);
  }
}
