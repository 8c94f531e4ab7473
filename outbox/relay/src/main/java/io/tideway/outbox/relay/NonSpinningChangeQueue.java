package io.tideway.outbox.relay;

import io.debezium.connector.base.QueueProvider;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Debezium's in-memory change queue ({@code queue.provider.type=memory}), made to stop its reader
 * from spinning. Debezium's {@code ChangeEventQueue.poll} waits for changes with a timer of whole
 * milliseconds: in the last millisecond of every poll interval the wait left rounds down to 0 and
 * it loops without waiting, asking this queue its size each time, until the interval ends. That was
 * a tenth of a core per source at a 10 ms interval, idle or not. Past a run of empty answers with
 * nothing enqueued between them, which only that loop makes, the size is answered after a short
 * park, so the loop waits out its last millisecond in a few turns instead of many thousands.
 *
 * <p>Like Debezium's own provider it is guarded by the queue's lock, which the park holds: a change
 * enqueued meanwhile waits at most {@link #PARK_NANOS}, at the end of an interval with nothing to
 * hand over.
 */
public final class NonSpinningChangeQueue<T> implements QueueProvider<T> {

  /** The name that selects it, as {@code queue.provider.type}. */
  public static final String NAME = "tideway-memory";

  /** Empty answers in a row before the next one parks: more than a reader that waits ever asks. */
  static final int EMPTY_ANSWERS_BEFORE_PARKING = 16;

  static final long PARK_NANOS = 200_000;

  private final ArrayDeque<T> changes = new ArrayDeque<>();
  private int emptyAnswers;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void configure(Map<String, ?> config) {
    // nothing to configure
  }

  @Override
  public void enqueue(T change) {
    changes.add(change);
    emptyAnswers = 0;
  }

  @Override
  public T poll() {
    return changes.poll();
  }

  @Override
  public int size() {
    int size = changes.size();
    if (size > 0) {
      emptyAnswers = 0;
    } else if (++emptyAnswers > EMPTY_ANSWERS_BEFORE_PARKING) {
      LockSupport.parkNanos(PARK_NANOS);
    }
    return size;
  }
}
