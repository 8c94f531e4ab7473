package io.tideway.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.connector.base.QueueProvider;
import java.time.Duration;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class NonSpinningChangeQueueTest {

  private static final int ASKED = 1_000;

  @Test
  void isFoundByDebeziumUnderItsName() {
    assertThat(ServiceLoader.load(QueueProvider.class).stream().map(p -> p.get().name()))
        .contains(NonSpinningChangeQueue.NAME);
  }

  @Test
  void keepsChangesInOrder() {
    NonSpinningChangeQueue<String> queue = new NonSpinningChangeQueue<>();
    queue.enqueue("a");
    queue.enqueue("b");

    assertThat(queue.size()).isEqualTo(2);
    assertThat(queue.poll()).isEqualTo("a");
    assertThat(queue.poll()).isEqualTo("b");
    assertThat(queue.poll()).isNull();
  }

  @Test
  void aReaderAskingTheSizeOfAnEmptyQueueOverAndOverIsSlowedDown() {
    NonSpinningChangeQueue<String> queue = new NonSpinningChangeQueue<>();

    long started = System.nanoTime();
    for (int i = 0; i < ASKED; i++) {
      assertThat(queue.size()).isZero();
    }

    // All but the first few answers park: at least half of their parks' time passes.
    long parks = ASKED - NonSpinningChangeQueue.EMPTY_ANSWERS_BEFORE_PARKING;
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThan(Duration.ofNanos(parks * NonSpinningChangeQueue.PARK_NANOS / 2));
  }

  @Test
  void aReaderThatFindsChangesBetweenItsQuestionsIsNeverSlowedDown() {
    NonSpinningChangeQueue<String> queue = new NonSpinningChangeQueue<>();

    long started = System.nanoTime();
    for (int i = 0; i < ASKED; i++) {
      // A reader that waits asks once after draining, then waits for the next change.
      assertThat(queue.size()).isZero();
      queue.enqueue("change-" + i);
      assertThat(queue.size()).isOne();
      queue.poll();
    }

    // Had any answer parked, the parks alone would take ASKED * PARK_NANOS (0.2 s).
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isLessThan(Duration.ofNanos(ASKED * NonSpinningChangeQueue.PARK_NANOS / 2));
  }
}
