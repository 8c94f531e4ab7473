package io.tideway.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tideway.topology.SideEffects;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcessedEventsTest {

  private final ProcessedEvents processed =
      new ProcessedEvents("d", new SimpleMeterRegistry(), SideEffects.LIVE);

  @Test
  void aWaiterIsAnsweredWhenOneOfItsProcessorsFinishesItsEvent() throws Exception {
    CompletableFuture<ProcessedEvents.Finished> waiting =
        processed.whenProcessed("e1", List.of(Set.of("store-writer")), 0, Duration.ofSeconds(10));

    long before = System.currentTimeMillis();
    processed.processed("other-branch", 0, "e1", 0);
    processed.processed("store-writer", 0, "e2", 0);
    assertThat(waiting).isNotDone();
    processed.processed("store-writer", 0, "e1", 0);

    assertThat(waiting.get(5, TimeUnit.SECONDS).at()).isBetween(before, System.currentTimeMillis());
  }

  @Test
  void anEventIsThroughOnceEveryProcessorItsSourceForwardsToHasFinishedIt() throws Exception {
    // A source forwarding to two branches (Kafka Streams runs one after the other), and another
    // source of the same sub-topology with one.
    List<Set<String>> entries = List.of(Set.of("look", "count"), Set.of("other-source"));
    CompletableFuture<ProcessedEvents.Finished> waiting =
        processed.whenProcessed("e1", entries, 0, Duration.ofSeconds(10));

    processed.processed("look", 0, "e1", 0);
    assertThat(waiting).isNotDone();
    assertThat(processed.whenProcessed("e1", entries, 0, Duration.ZERO).join().at()).isEqualTo(-1);
    processed.processed("count", 0, "e1", 0);

    assertThat(waiting.get(5, TimeUnit.SECONDS).at()).isPositive();
    processed.processed("other-source", 0, "e2", 0);
    assertThat(await("e2", entries, 0)).isPositive();
  }

  @Test
  void anEventProcessedBeforeTheQueryAnswersAtOnceWithItsTime() throws Exception {
    long before = System.currentTimeMillis();
    processed.processed("store-writer", 0, "e1", 0);

    assertThat(await("e1", List.of(Set.of("store-writer")), 0))
        .isBetween(before, System.currentTimeMillis());
  }

  @Test
  void aWaiterGivesUpAtItsTimeoutAndIsForgotten() {
    assertThat(await("e1", List.of(Set.of("store-writer")), 50)).isEqualTo(-1);

    processed.processed("store-writer", 0, "e1", 0);
    assertThat(await("e1", List.of(Set.of("store-writer")), 50)).isPositive();
  }

  @Test
  void anEventFannedOutToSeveralPartitionsIsDoneForAKeyOnceTheKeysPartitionIsDone()
      throws Exception {
    CompletableFuture<ProcessedEvents.Finished> partitionTwo =
        processed.whenProcessed("e1", List.of(Set.of("store-writer")), 2, Duration.ofSeconds(10));

    processed.processed("store-writer", 1, "e1", 0);
    assertThat(partitionTwo).isNotDone();
    assertThat(
            processed
                .whenProcessed("e1", List.of(Set.of("store-writer")), 2, Duration.ZERO)
                .join()
                .at())
        .isEqualTo(-1);
    processed.processed("store-writer", 2, "e1", 0);

    assertThat(partitionTwo.get(5, TimeUnit.SECONDS).at()).isPositive();
  }

  private long await(String event, List<Set<String>> entries, long millis) {
    return processed.whenProcessed(event, entries, 0, Duration.ofMillis(millis)).join().at();
  }
}
