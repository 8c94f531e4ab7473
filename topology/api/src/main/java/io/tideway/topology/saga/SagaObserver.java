package io.tideway.topology.saga;

import java.time.Duration;

/**
 * Told what sagas do, for metrics. The runtime passes one to every deployment under {@link
 * #CONFIG}; without one (in {@code TopologyTestDriver}) nothing is observed. Called on stream
 * threads: implementations are thread-safe and quick.
 */
public interface SagaObserver {

  /** The setting the runtime passes its observer under (an object, not a string). */
  String CONFIG = "tideway.saga.observer";

  /** Observes nothing. */
  SagaObserver NONE =
      new SagaObserver() {
        @Override
        public void started(String saga) {}

        @Override
        public void ended(String saga, SagaStatus status) {}

        @Override
        public void stepEnded(String saga, String step, boolean compensation, Duration latency) {}

        @Override
        public void timedOut(String saga, String step, boolean compensation) {}

        @Override
        public void resent(String saga, String step, boolean compensation) {}

        @Override
        public void ignored(String saga, String reason) {}

        @Override
        public void inFlight(String saga, String task, int count) {}

        @Override
        public void failed(String saga, String action) {}
      };

  /** A saga started running (not when it was queued). */
  void started(String saga);

  /**
   * A saga ended: {@code COMPLETED}, {@code COMPENSATED}, {@code FAILED_COMPENSATION}, or {@code
   * REJECTED} by the semantic lock.
   */
  void ended(String saga, SagaStatus status);

  /**
   * A step, or its compensation, got the reply that ends it.
   *
   * @param latency from its command's first send to the reply
   */
  void stepEnded(String saga, String step, boolean compensation, Duration latency);

  /** A step's command, or its compensation, got no reply within the step's timeout. */
  void timedOut(String saga, String step, boolean compensation);

  /**
   * A step's command, or its compensation, was sent again: a retriable step after a timeout, a
   * compensation after a timeout or a failure reply. A step resent without end waits on a
   * participant that needs a fix.
   */
  void resent(String saga, String step, boolean compensation);

  /**
   * A record was ignored: a reply with {@code unknown-saga} (no saga of its key), {@code after-end}
   * (the saga had ended) or {@code wrong-step} (a duplicate, or a reply to a step the saga is not
   * waiting for), {@code stale-failure} (a compensation's failure written before the attempt under
   * way was sent); or a start event with {@code duplicate-start} (its saga id already exists).
   */
  void ignored(String saga, String reason);

  /**
   * How many sagas run (started, not ended) in one task: when it changes, at every deadline check,
   * and 0 when the task closes.
   */
  void inFlight(String saga, String task, int count);

  /**
   * The engine could not act on a saga, as a command or the saga's data could not be made: {@code
   * start} (a start event went to the dead-letter topic, or a queued saga was rejected) or {@code
   * deadline} (the saga tries again later).
   */
  void failed(String saga, String action);
}
