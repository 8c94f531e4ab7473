package io.tideway.topology.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tideway.topology.ProcessingObserver;
import io.tideway.topology.SideEffects;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What one deployment has processed lately: the ids of the last {@value #CAPACITY} events, each
 * with the sub-topologies that finished it, for queries that wait for an event; and the end-to-end
 * latency from each event's {@code occurredAt} to the end of its processing, as a histogram.
 */
final class ProcessedEvents implements ProcessingObserver {

  static final int CAPACITY = 100_000;

  private final Timer latency;
  private final SideEffects live;
  private final Map<String, Set<String>> recent =
      new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Set<String>> eldest) {
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
    if (occurredAt > 0 && live.live()) {
      latency.record(Math.max(0, System.currentTimeMillis() - occurredAt), TimeUnit.MILLISECONDS);
    }
    if (eventId == null) {
      return;
    }
    synchronized (this) {
      recent.computeIfAbsent(eventId, id -> new HashSet<>(2)).add(processor);
      if (waiting > 0) {
        notifyAll();
      }
    }
  }

  /**
   * Waits until one of {@code processors} has finished the event.
   *
   * @return whether it did within the timeout
   */
  synchronized boolean await(String eventId, Set<String> processors, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    waiting++;
    try {
      while (!done(eventId, processors)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    } finally {
      waiting--;
    }
  }

  private boolean done(String eventId, Set<String> processors) {
    Set<String> by = recent.get(eventId);
    if (by == null) {
      return false;
    }
    for (String processor : by) {
      if (processors.contains(processor)) {
        return true;
      }
    }
    return false;
  }
}
