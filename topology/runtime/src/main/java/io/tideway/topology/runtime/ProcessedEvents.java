package io.tideway.topology.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tideway.topology.ProcessingObserver;
import io.tideway.topology.SideEffects;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What one deployment has processed lately: the ids of the last {@value #CAPACITY} events, each
 * with the sub-topologies that finished it and when, for queries that wait for an event; and the
 * end-to-end latency from each event's {@code occurredAt} to the end of its processing, as a
 * histogram.
 */
final class ProcessedEvents implements ProcessingObserver {

  static final int CAPACITY = 100_000;

  private final Timer latency;
  private final SideEffects live;

  /** Event id → processor → when it finished the event (epoch millis). */
  private final Map<String, Map<String, Long>> recent =
      new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, Long>> eldest) {
          return size() > CAPACITY;
        }
      };

  private int waiting;

  /**
   * @param live whether the deployment acts now: a rebuild's replay of old events is not latency
   */
  ProcessedEvents(String deployment, MeterRegistry meters, SideEffects live) {
    this.live = live;
    this.latency =
        Timer.builder("tideway.topology.e2e.latency")
            .description(
                "From an event's occurredAt (its outbox commit) to the end of its processing by a"
                    + " sub-topology")
            .tag("deployment", deployment)
            .publishPercentileHistogram()
            .register(meters);
  }

  @Override
  public void processed(String processor, String eventId, long occurredAt) {
    long now = System.currentTimeMillis();
    if (occurredAt > 0 && live.live()) {
      latency.record(Math.max(0, now - occurredAt), TimeUnit.MILLISECONDS);
    }
    if (eventId == null) {
      return;
    }
    synchronized (this) {
      recent.computeIfAbsent(eventId, id -> new HashMap<>(2)).putIfAbsent(processor, now);
      if (waiting > 0) {
        notifyAll();
      }
    }
  }

  /**
   * Waits until one of {@code processors} has finished the event.
   *
   * @return when the first of them finished it (epoch millis), or -1 when none did within the
   *     timeout
   */
  synchronized long await(String eventId, Set<String> processors, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    waiting++;
    try {
      long done;
      while ((done = finished(eventId, processors)) < 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return -1;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return done;
    } finally {
      waiting--;
    }
  }

  private long finished(String eventId, Set<String> processors) {
    Map<String, Long> by = recent.get(eventId);
    long first = -1;
    if (by != null) {
      for (Map.Entry<String, Long> done : by.entrySet()) {
        if (processors.contains(done.getKey()) && (first < 0 || done.getValue() < first)) {
          first = done.getValue();
        }
      }
    }
    return first;
  }
}
