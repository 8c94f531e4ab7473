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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * What one deployment has processed lately: the ids of the last {@value #CAPACITY} events, each
 * with the processors and partitions that finished it and when, or failed it, for queries that wait
 * for an event (an event fanned out to several partitions is done for a key once the key's
 * partition has processed it); and the end-to-end latency from each event's {@code occurredAt} to
 * the end of its processing, as a histogram.
 *
 * <p>A window store is queried past its cache, which its task flushes when it commits: a query that
 * waits for an event there waits for the commit that follows the event too ({@link
 * #whenCommitted}). So each event is kept with the stream thread that processed it and how many
 * times that thread had committed then.
 */
final class ProcessedEvents implements ProcessingObserver {

  static final int CAPACITY = 100_000;

  private final Timer latency;
  private final SideEffects live;

  /** How often a query waiting for a commit looks again. */
  private static final Duration COMMIT_CHECK = Duration.ofMillis(10);

  /** Event id → processor and partition → when and where it finished the event. */
  private final Map<String, Map<Done, Finished>> recent =
      new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<Done, Finished>> eldest) {
          return size() > CAPACITY;
        }
      };

  /** A processor's task of one partition. */
  private record Done(String processor, int partition) {}

  /**
   * An event finished.
   *
   * @param at when (epoch millis), or -1 for not (yet)
   * @param commitCount the commit count of the stream thread that processed it, or null if unknown
   * @param commits that count then
   * @param offset the offset of the input record it came in, or -1 when not known
   * @param failedIn the processor that threw on it, which dead-lettered it; null if none did
   * @param failedKey the key of the record it threw on, where that is text; null when it failed for
   *     every key of the partition as far as is known
   */
  record Finished(
      long at, Metric commitCount, long commits, long offset, String failedIn, String failedKey) {

    static final Finished NOT = new Finished(-1, null, -1, -1, null, null);

    boolean failed() {
      return failedIn != null;
    }

    /** Whether it failed for a key: an event fanned out to other keys of the partition did not. */
    boolean failedFor(String key) {
      return failed() && (failedKey == null || failedKey.equals(key));
    }
  }

  /**
   * How events reach a store within its sub-topology.
   *
   * @param entries for each source of the sub-topology, the processors it forwards a record to that
   *     lead to the store (all of them when none does): Kafka Streams runs them one after the other
   * @param processors every processor on a path to the store, the store's own included: one that
   *     throws on an event leaves the store without the event's changes
   */
  record Feed(List<Set<String>> entries, Set<String> processors) {

    static final Feed NONE = new Feed(List.of(), Set.of());
  }

  /**
   * The commit count of the stream thread this runs on, found among the client's metrics once per
   * thread: per thread, not per name, as a replaced thread's name is given to a later one.
   */
  private final ThreadLocal<Optional<Metric>> commitCount =
      ThreadLocal.withInitial(this::currentThreadsCommitCount);

  private volatile KafkaStreams streams;

  /**
   * Queries waiting, by the event they wait for: a processed event wakes only its own waiters, so
   * hundreds of waiting queries cost nothing per event that is not theirs.
   */
  private final Map<String, List<Waiter>> waiters = new HashMap<>();

  private record Waiter(Feed feed, int partition, String key, CompletableFuture<Finished> done) {

    boolean awaits(String processor, int partition) {
      return this.partition == partition
          && (feed.processors().contains(processor)
              || feed.entries().stream().anyMatch(e -> e.contains(processor)));
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

  /** The processors that report what they process: those the topology was built with. */
  private final Set<String> observed = ConcurrentHashMap.newKeySet();

  @Override
  public void observes(String processor) {
    observed.add(processor);
  }

  /**
   * Whether a query can wait for an event on its way to a store: every processor the store's
   * sources forward to reports what it processes. A store no sub-topology writes (a global store)
   * or a topology not built with {@code TopologyContext.streamsBuilder()} has none that do.
   */
  boolean canWaitOn(Feed feed) {
    return !feed.entries().isEmpty()
        && feed.entries().stream().allMatch(entry -> observed.containsAll(entry));
  }

  /**
   * The client whose stream threads' commits {@link #whenCommitted} counts; set before it starts.
   */
  void countCommitsOf(KafkaStreams streams) {
    this.streams = streams;
  }

  @Override
  public void processed(
      String processor, int partition, long offset, String eventId, long occurredAt) {
    long now = System.currentTimeMillis();
    if (occurredAt > 0 && live.live()) {
      latency.record(Math.max(0, now - occurredAt), TimeUnit.MILLISECONDS);
    }
    if (eventId == null) {
      return;
    }
    Metric count = commitCount.get().orElse(null);
    finish(
        processor,
        partition,
        eventId,
        new Finished(now, count, count == null ? -1 : value(count), offset, null, null));
  }

  @Override
  public void failed(String processor, int partition, long offset, String eventId, Object key) {
    if (eventId != null) {
      finish(
          processor,
          partition,
          eventId,
          new Finished(
              System.currentTimeMillis(),
              null,
              -1,
              offset,
              processor,
              key instanceof String text ? text : null));
    }
  }

  /** Records how a processor finished an event, and wakes the queries that waited for it. */
  private void finish(String processor, int partition, String eventId, Finished finished) {
    List<Waiter> woken = null;
    List<Finished> wokenBy = null;
    synchronized (this) {
      Map<Done, Finished> by = recent.computeIfAbsent(eventId, id -> new HashMap<>(2));
      if (failedBefore(by, partition, finished.offset())) {
        // Read again (a re-drive): what the failed read did is over, whether this read fails too.
        by.entrySet()
            .removeIf(
                done ->
                    done.getKey().partition() == partition
                        && done.getValue().offset() != finished.offset());
      }
      by.putIfAbsent(new Done(processor, partition), finished);
      List<Waiter> waiting = waiters.get(eventId);
      if (waiting != null) {
        for (Iterator<Waiter> i = waiting.iterator(); i.hasNext(); ) {
          Waiter waiter = i.next();
          if (!waiter.awaits(processor, partition)) {
            continue;
          }
          Finished through = finished(eventId, waiter.feed(), partition, waiter.key());
          if (through.at() >= 0) {
            woken = woken == null ? new ArrayList<>(1) : woken;
            wokenBy = wokenBy == null ? new ArrayList<>(1) : wokenBy;
            woken.add(waiter);
            wokenBy.add(through);
            i.remove();
          }
        }
        if (waiting.isEmpty()) {
          waiters.remove(eventId);
        }
      }
    }
    for (int i = 0; woken != null && i < woken.size(); i++) {
      woken.get(i).done().complete(wokenBy.get(i));
    }
  }

  /**
   * Completes when the event is through the way to a store in {@code partition}: when every
   * processor of one of the feed's entries has finished it, with when the last of them did; at
   * once, {@linkplain Finished#failed() failed}, when a processor on the way threw on it for the
   * key (or a key not known); or with {@link Finished#NOT} once the timeout has passed. No thread
   * waits meanwhile; what depends on it runs on the stream thread that processed the event, or on
   * the timer's, so it should hand heavier work on.
   *
   * @param feed how events reach the store ({@link Deployment#feed})
   * @param key the key looked up
   */
  CompletableFuture<Finished> whenProcessed(
      String eventId, Feed feed, int partition, String key, Duration timeout) {
    Waiter waiter;
    synchronized (this) {
      Finished done = finished(eventId, feed, partition, key);
      if (done.at() >= 0 || timeout.isZero() || timeout.isNegative()) {
        return CompletableFuture.completedFuture(done);
      }
      waiter = new Waiter(feed, partition, key, new CompletableFuture<>());
      waiters.computeIfAbsent(eventId, id -> new ArrayList<>(1)).add(waiter);
    }
    waiter.done().whenComplete((at, failure) -> forget(eventId, waiter));
    return waiter.done().completeOnTimeout(Finished.NOT, timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Completes with true once the thread that finished an event has committed since, so that its
   * stores' caches hold nothing of the event any more, or at once when that cannot be known; with
   * false at the deadline ({@link System#nanoTime}). Polls, on no thread of the caller's. A thread
   * that failed or lost the event's task meanwhile commits no more: the wait then ends at the
   * deadline, as the store the task moved to may not hold the event.
   */
  CompletableFuture<Boolean> whenCommitted(Finished finished, long deadline) {
    if (finished.commitCount() == null || value(finished.commitCount()) != finished.commits()) {
      return CompletableFuture.completedFuture(true);
    }
    if (System.nanoTime() >= deadline) {
      return CompletableFuture.completedFuture(false);
    }
    Executor later =
        CompletableFuture.delayedExecutor(COMMIT_CHECK.toMillis(), TimeUnit.MILLISECONDS);
    return CompletableFuture.supplyAsync(() -> finished, later)
        .thenCompose(again -> whenCommitted(again, deadline));
  }

  private static long value(Metric count) {
    return count.metricValue() instanceof Number n ? n.longValue() : -1;
  }

  private Optional<Metric> currentThreadsCommitCount() {
    KafkaStreams client = streams;
    if (client == null) {
      return Optional.empty();
    }
    String thread = Thread.currentThread().getName();
    for (Metric metric : client.metrics().values()) {
      MetricName name = metric.metricName();
      if (name.name().equals("commit-total")
          && name.group().equals("stream-thread-metrics")
          && thread.equals(name.tags().get("thread-id"))) {
        return Optional.of(metric);
      }
    }
    return Optional.empty();
  }

  private synchronized void forget(String eventId, Waiter waiter) {
    List<Waiter> waiting = waiters.get(eventId);
    if (waiting != null && waiting.remove(waiter) && waiting.isEmpty()) {
      waiters.remove(eventId);
    }
  }

  /** Whether the event failed in the partition when read at another offset. */
  private static boolean failedBefore(Map<Done, Finished> by, int partition, long offset) {
    for (Map.Entry<Done, Finished> done : by.entrySet()) {
      if (done.getKey().partition() == partition
          && done.getValue().failed()
          && done.getValue().offset() != offset) {
        return true;
      }
    }
    return false;
  }

  /**
   * How a processor on the way to the store failed the event in the partition, for the key;
   * otherwise when the event was first through one of the feed's entries there, or {@link
   * Finished#NOT}.
   */
  private Finished finished(String eventId, Feed feed, int partition, String key) {
    Map<Done, Finished> by = recent.get(eventId);
    Finished first = Finished.NOT;
    if (by == null) {
      return first;
    }
    for (Map.Entry<Done, Finished> done : by.entrySet()) {
      if (done.getValue().failedFor(key)
          && done.getKey().partition() == partition
          && feed.processors().contains(done.getKey().processor())) {
        return done.getValue();
      }
    }
    for (Set<String> entry : feed.entries()) {
      Finished last = Finished.NOT;
      for (String processor : entry) {
        Finished done = by.get(new Done(processor, partition));
        if (done == null || done.failed()) {
          last = Finished.NOT;
          break;
        }
        last = done.at() >= last.at() ? done : last;
      }
      if (last.at() >= 0 && (first.at() < 0 || last.at() < first.at())) {
        first = last;
      }
    }
    return first;
  }
}
