package io.tideway.topology.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tideway.topology.ProcessingObserver;
import io.tideway.topology.SideEffects;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What one deployment has processed lately: the ids of the last {@value #CAPACITY} events, each
 * with the sub-topologies and partitions that finished it and when, for queries that wait for an
 * event (an event fanned out to several partitions is done for a key once the key's partition has
 * processed it); and the end-to-end latency from each event's {@code occurredAt} to the end of its
 * processing, as a histogram.
 */
final class ProcessedEvents implements ProcessingObserver {

  static final int CAPACITY = 100_000;

  private final Timer latency;
  private final SideEffects live;

  /** Event id → processor and partition → when it finished the event (epoch millis). */
  private final Map<String, Map<Done, Long>> recent =
      new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<Done, Long>> eldest) {
          return size() > CAPACITY;
        }
      };

  /** A processor's task of one partition. */
  private record Done(String processor, int partition) {}

  /**
   * Queries waiting, by the event they wait for: a processed event wakes only its own waiters, so
   * hundreds of waiting queries cost nothing per event that is not theirs.
   */
  private final Map<String, List<Waiter>> waiters = new HashMap<>();

  private record Waiter(Set<String> processors, int partition, CompletableFuture<Long> done) {

    boolean awaits(String processor, int partition) {
      return processors.contains(processor) && this.partition == partition;
    }
  }

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
  public void processed(String processor, int partition, String eventId, long occurredAt) {
    long now = System.currentTimeMillis();
    if (occurredAt > 0 && live.live()) {
      latency.record(Math.max(0, now - occurredAt), TimeUnit.MILLISECONDS);
    }
    if (eventId == null) {
      return;
    }
    List<Waiter> woken = null;
    synchronized (this) {
      recent
          .computeIfAbsent(eventId, id -> new HashMap<>(2))
          .putIfAbsent(new Done(processor, partition), now);
      List<Waiter> waiting = waiters.get(eventId);
      if (waiting != null) {
        for (Iterator<Waiter> i = waiting.iterator(); i.hasNext(); ) {
          Waiter waiter = i.next();
          if (waiter.awaits(processor, partition)) {
            woken = woken == null ? new ArrayList<>(1) : woken;
            woken.add(waiter);
            i.remove();
          }
        }
        if (waiting.isEmpty()) {
          waiters.remove(eventId);
        }
      }
    }
    if (woken != null) {
      woken.forEach(waiter -> waiter.done().complete(now));
    }
  }

  /**
   * Completes when one of {@code processors} has finished the event in {@code partition}, with when
   * the first of them did (epoch millis), or with -1 once the timeout has passed. No thread waits
   * meanwhile; what depends on it runs on the stream thread that processed the event, or on the
   * timer's, so it should hand heavier work on.
   */
  CompletableFuture<Long> whenProcessed(
      String eventId, Set<String> processors, int partition, Duration timeout) {
    Waiter waiter;
    synchronized (this) {
      long done = finished(eventId, processors, partition);
      if (done >= 0 || timeout.isZero() || timeout.isNegative()) {
        return CompletableFuture.completedFuture(done);
      }
      waiter = new Waiter(processors, partition, new CompletableFuture<>());
      waiters.computeIfAbsent(eventId, id -> new ArrayList<>(1)).add(waiter);
    }
    waiter.done().whenComplete((at, failure) -> forget(eventId, waiter));
    return waiter.done().completeOnTimeout(-1L, timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private synchronized void forget(String eventId, Waiter waiter) {
    List<Waiter> waiting = waiters.get(eventId);
    if (waiting != null && waiting.remove(waiter) && waiting.isEmpty()) {
      waiters.remove(eventId);
    }
  }

  private long finished(String eventId, Set<String> processors, int partition) {
    Map<Done, Long> by = recent.get(eventId);
    long first = -1;
    if (by != null) {
      for (Map.Entry<Done, Long> done : by.entrySet()) {
        if (processors.contains(done.getKey().processor())
            && done.getKey().partition() == partition
            && (first < 0 || done.getValue() < first)) {
          first = done.getValue();
        }
      }
    }
    return first;
  }
}
