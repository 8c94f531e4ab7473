package io.tideway.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tideway.topology.SideEffects;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcessedEventsTest {

  private final ProcessedEvents processed =
      new ProcessedEvents("d", new SimpleMeterRegistry(), SideEffects.LIVE);

  @Test
  void aWaiterIsAnsweredWhenOneOfItsProcessorsFinishesItsEvent() throws Exception {
    CompletableFuture<Long> waiting =
        processed.whenProcessed("e1", Set.of("store-writer"), Duration.ofSeconds(10));

    long before = System.currentTimeMillis();
    processed.processed("other-branch", "e1", 0);
    processed.processed("store-writer", "e2", 0);
    assertThat(waiting).isNotDone();
    processed.processed("store-writer", "e1", 0);

    assertThat(waiting.get(5, TimeUnit.SECONDS)).isBetween(before, System.currentTimeMillis());
  }

  @Test
  void anEventProcessedBeforeTheQueryAnswersAtOnceWithItsTime() throws Exception {
    long before = System.currentTimeMillis();
    processed.processed("store-writer", "e1", 0);

    assertThat(await("e1", Set.of("store-writer"), 0))
        .isBetween(before, System.currentTimeMillis());
  }

  @Test
  void aWaiterGivesUpAtItsTimeoutAndIsForgotten() {
    assertThat(await("e1", Set.of("store-writer"), 50)).isEqualTo(-1);

    processed.processed("store-writer", "e1", 0);
    assertThat(await("e1", Set.of("store-writer"), 50)).isPositive();
  }

  private long await(String event, Set<String> processors, long millis) {
    return processed.whenProcessed(event, processors, Duration.ofMillis(millis)).join();
  }
}
