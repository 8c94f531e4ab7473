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

  /** A store written by {@code store-writer}, the one processor its source forwards to. */
  private static final ProcessedEvents.Feed WRITER =
      new ProcessedEvents.Feed(List.of(Set.of("store-writer")), Set.of("store-writer"));

  @Test
  void aWaiterIsAnsweredWhenOneOfItsProcessorsFinishesItsEvent() throws Exception {
    CompletableFuture<ProcessedEvents.Finished> waiting =
        processed.whenProcessed("e1", WRITER, 0, "k", Duration.ofSeconds(10));

    long before = System.currentTimeMillis();
    processed.processed("other-branch", 0, 0, "e1", 0);
    processed.processed("store-writer", 0, 0, "e2", 0);
    assertThat(waiting).isNotDone();
    processed.processed("store-writer", 0, 0, "e1", 0);

    assertThat(waiting.get(5, TimeUnit.SECONDS).at()).isBetween(before, System.currentTimeMillis());
  }

  @Test
  void anEventIsThroughOnceEveryProcessorItsSourceForwardsToHasFinishedIt() throws Exception {
    // A source forwarding to two branches (Kafka Streams runs one after the other), and another
    // source of the same sub-topology with one.
    ProcessedEvents.Feed entries =
        new ProcessedEvents.Feed(
            List.of(Set.of("look", "count"), Set.of("other-source")),
            Set.of("count", "other-source"));
    CompletableFuture<ProcessedEvents.Finished> waiting =
        processed.whenProcessed("e1", entries, 0, "k", Duration.ofSeconds(10));

    processed.processed("look", 0, 0, "e1", 0);
    assertThat(waiting).isNotDone();
    assertThat(processed.whenProcessed("e1", entries, 0, "k", Duration.ZERO).join().at())
        .isEqualTo(-1);
    processed.processed("count", 0, 0, "e1", 0);

    assertThat(waiting.get(5, TimeUnit.SECONDS).at()).isPositive();
    processed.processed("other-source", 0, 0, "e2", 0);
    assertThat(await("e2", entries, 0)).isPositive();
  }

  @Test
  void anEventProcessedBeforeTheQueryAnswersAtOnceWithItsTime() throws Exception {
    long before = System.currentTimeMillis();
    processed.processed("store-writer", 0, 0, "e1", 0);

    assertThat(await("e1", WRITER, 0)).isBetween(before, System.currentTimeMillis());
  }

  @Test
  void aWaiterGivesUpAtItsTimeoutAndIsForgotten() {
    assertThat(await("e1", WRITER, 50)).isEqualTo(-1);

    processed.processed("store-writer", 0, 0, "e1", 0);
    assertThat(await("e1", WRITER, 50)).isPositive();
  }

  @Test
  void anEventFannedOutToSeveralPartitionsIsDoneForAKeyOnceTheKeysPartitionIsDone()
      throws Exception {
    CompletableFuture<ProcessedEvents.Finished> partitionTwo =
        processed.whenProcessed("e1", WRITER, 2, "k", Duration.ofSeconds(10));

    processed.processed("store-writer", 1, 0, "e1", 0);
    assertThat(partitionTwo).isNotDone();
    assertThat(processed.whenProcessed("e1", WRITER, 2, "k", Duration.ZERO).join().at())
        .isEqualTo(-1);
    processed.processed("store-writer", 2, 0, "e1", 0);

    assertThat(partitionTwo.get(5, TimeUnit.SECONDS).at()).isPositive();
  }

  @Test
  void aWaiterIsAnsweredAtOnceWhenAProcessorOnTheWayToItsStoreFailedItsEvent() throws Exception {
    // The source forwards to "look", which leads elsewhere, and "map", which leads to "count".
    ProcessedEvents.Feed feed =
        new ProcessedEvents.Feed(List.of(Set.of("map")), Set.of("map", "count"));
    CompletableFuture<ProcessedEvents.Finished> waiting =
        processed.whenProcessed("e1", feed, 0, "k", Duration.ofSeconds(10));

    processed.failed("look", 0, 0, "e1", null);
    processed.failed("count", 1, 0, "e1", null);
    assertThat(waiting).isNotDone();
    processed.failed("count", 0, 0, "e1", null);

    assertThat(waiting.get(5, TimeUnit.SECONDS).failedIn()).isEqualTo("count");
    // The processor that forwarded to it finishes normally after it: still failed.
    processed.processed("map", 0, 0, "e1", 0);
    assertThat(processed.whenProcessed("e1", feed, 0, "k", Duration.ZERO).join().failedIn())
        .isEqualTo("count");
    processed.failed("look", 0, 0, "e2", null);
    processed.processed("map", 0, 0, "e2", 0);
    ProcessedEvents.Finished other =
        processed.whenProcessed("e2", feed, 0, "k", Duration.ZERO).join();
    assertThat(other.failed()).isFalse();
    assertThat(other.at()).isPositive();
  }

  @Test
  void aFailureIsOverOnceTheEventIsReadAgainAndGoesThrough() {
    processed.failed("store-writer", 0, 7, "e1", null);
    processed.processed("store-writer", 0, 7, "e1", 0);
    assertThat(processed.whenProcessed("e1", WRITER, 0, "k", Duration.ZERO).join().failed())
        .isTrue();

    // Re-driven: the same event at another offset.
    long before = System.currentTimeMillis();
    processed.processed("store-writer", 0, 42, "e1", 0);

    ProcessedEvents.Finished again =
        processed.whenProcessed("e1", WRITER, 0, "k", Duration.ZERO).join();
    assertThat(again.failed()).isFalse();
    assertThat(again.at()).isGreaterThanOrEqualTo(before);
  }

  @Test
  void anEventReadAgainThatFailsAgainIsStillFailed() {
    // "count" below the outermost "map" fails; "map" itself finishes normally after it.
    ProcessedEvents.Feed feed =
        new ProcessedEvents.Feed(List.of(Set.of("map")), Set.of("map", "count"));
    processed.failed("count", 0, 7, "e1", null);
    processed.processed("map", 0, 7, "e1", 0);

    // Re-driven before its cause was fixed: the same event at another offset fails the same way.
    processed.failed("count", 0, 42, "e1", null);
    processed.processed("map", 0, 42, "e1", 0);

    assertThat(processed.whenProcessed("e1", feed, 0, "k", Duration.ZERO).join().failedIn())
        .isEqualTo("count");
  }

  @Test
  void aFailureForOneKeyOfAnEventFannedOutIsNoFailureForAnother() {
    // An order's lines, one record per product, summed per product.
    ProcessedEvents.Feed lines =
        new ProcessedEvents.Feed(List.of(Set.of("flatten")), Set.of("flatten", "sum"));
    processed.failed("sum", 0, 7, "e1", "product-a");
    processed.processed("flatten", 0, 7, "e1", 0);

    assertThat(processed.whenProcessed("e1", lines, 0, "product-a", Duration.ZERO).join().failed())
        .isTrue();
    ProcessedEvents.Finished other =
        processed.whenProcessed("e1", lines, 0, "product-b", Duration.ZERO).join();
    assertThat(other.failed()).isFalse();
    assertThat(other.at()).isPositive();
    // A key that is not text could be any key.
    processed.failed("sum", 0, 9, "e2", 42);
    processed.processed("flatten", 0, 9, "e2", 0);
    assertThat(processed.whenProcessed("e2", lines, 0, "product-b", Duration.ZERO).join().failed())
        .isTrue();
  }

  @Test
  void aQueryCanWaitOnlyWhereEveryProcessorOnTheWayReportsWhatItProcesses() {
    assertThat(processed.canWaitOn(WRITER)).as("a topology built elsewhere").isFalse();
    assertThat(processed.canWaitOn(ProcessedEvents.Feed.NONE)).as("a global store").isFalse();

    processed.observes("store-writer");

    assertThat(processed.canWaitOn(WRITER)).isTrue();
  }

  private long await(String event, ProcessedEvents.Feed entries, long millis) {
    return processed.whenProcessed(event, entries, 0, "k", Duration.ofMillis(millis)).join().at();
  }
}
