package io.tideway.topology.runtime;

import io.tideway.topology.SideEffects;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rebuild of a deployment, on its own thread: the rebuild (a second deployment of the same
 * topology under a new application id) replays the inputs from the beginning with its side effects
 * held back, and takes over in four steps, so that queries never fail and no value goes back:
 *
 * <ol>
 *   <li>catch up: its committed input offsets reach the serving deployment's, and its repartition
 *       topics are drained;
 *   <li>go live: its side effects flow from now on; the serving deployment, still live, goes on
 *       until it has processed all the rebuild processed before, so no record's effect falls
 *       between the two;
 *   <li>pause the serving deployment (its stores still answer), and wait for the rebuild to have
 *       processed all it did;
 *   <li>switch query routing to the rebuild in one step, then retire the old application: its
 *       group, internal topics and local state are deleted.
 * </ol>
 *
 * Records both process while both are live are written twice with the same event ids, which
 * consumers deduplicate. A failure before the switch deletes the rebuild and resumes the serving
 * deployment as it was.
 */
final class Rebuild {

  private static final Logger log = LoggerFactory.getLogger(Rebuild.class);
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration SWITCH_TIMEOUT = Duration.ofMinutes(2);

  /** The rebuild's side effects: held back until it goes live. */
  static final class Gate implements SideEffects {

    private volatile boolean live;

    @Override
    public boolean live() {
      return live;
    }

    void open() {
      live = true;
    }
  }

  private final TopologyRuntime runtime;
  private final GroupOffsets offsets;
  private final Deployment serving;
  private final Deployment rebuilt;
  private final Set<String> inputs;
  private final Set<String> repartitionTopics;
  private final Gate gate;
  private final Duration commitInterval;
  private final AtomicLong lag;
  private final Consumer<String> ended;
  private final Instant startedAt = Instant.now();
  private final Thread thread;
  private volatile String phase = "CATCHING_UP";
  private volatile String message = "replaying the inputs from the beginning";
  private volatile List<RebuildStatus.PartitionProgress> progress = List.of();
  private volatile boolean abandoned;

  Rebuild(
      TopologyRuntime runtime,
      GroupOffsets offsets,
      Deployment serving,
      Deployment rebuilt,
      Set<String> inputs,
      Set<String> repartitionTopics,
      Gate gate,
      long commitIntervalMs,
      AtomicLong lag,
      Consumer<String> ended) {
    this.runtime = runtime;
    this.offsets = offsets;
    this.serving = serving;
    this.rebuilt = rebuilt;
    this.inputs = inputs;
    this.repartitionTopics = repartitionTopics;
    this.gate = gate;
    this.commitInterval = Duration.ofMillis(commitIntervalMs);
    this.lag = lag;
    this.ended = ended;
    this.thread = new Thread(this::run, "tideway-rebuild-" + serving.name());
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  boolean ended() {
    return phase.equals("DONE") || phase.equals("FAILED");
  }

  RebuildStatus status() {
    List<RebuildStatus.PartitionProgress> partitions = progress;
    return new RebuildStatus(
        serving.name(),
        serving.applicationId(),
        rebuilt.applicationId(),
        phase,
        startedAt.toString(),
        lagOf(partitions),
        partitions,
        message);
  }

  /** Stops following the rebuild, as the runtime closes: what it made is left for the next. */
  void abandon() {
    abandoned = true;
    thread.interrupt();
    try {
      thread.join(POLL.toMillis() * 4);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    rebuilt.close(Duration.ofSeconds(30), true);
  }

  private void run() {
    boolean paused = false;
    boolean switched = false;
    try {
      List<TopicPartition> inputPartitions = offsets.partitions(inputs);
      await(() -> caughtUpTo(offsets.committed(serving.applicationId()), inputPartitions), null);

      phase = "SWITCHING";
      message = "live; waiting for the serving deployment to process what the rebuild did";
      gate.open();
      Thread.sleep(commitInterval.multipliedBy(3).toMillis());
      Map<TopicPartition, Long> processed = offsets.committed(rebuilt.applicationId());
      await(
          () -> atLeast(offsets.committed(serving.applicationId()), processed, inputPartitions),
          SWITCH_TIMEOUT);
      serving.pause();
      paused = true;
      message = "serving deployment paused; waiting for the rebuild to process all it did";
      Map<TopicPartition, Long> served = settled(serving.applicationId());
      await(() -> caughtUpTo(served, inputPartitions), SWITCH_TIMEOUT);
      runtime.switchTo(serving, rebuilt);
      switched = true;

      phase = "RETIRING";
      message =
          "queries go to " + rebuilt.applicationId() + "; deleting " + serving.applicationId();
      runtime.retire(serving);
      phase = "DONE";
      message = serving.name() + " runs as " + rebuilt.applicationId();
      lag.set(0);
      ended.accept("done");
      log.info(
          "Rebuilt {}: {} replaced {}",
          serving.name(),
          rebuilt.applicationId(),
          serving.applicationId());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(switched, paused, "interrupted");
    } catch (RuntimeException e) {
      log.error("Rebuild of {} failed", serving.name(), e);
      fail(switched, paused, e.getMessage());
    }
  }

  private void fail(boolean switched, boolean paused, String why) {
    message = why;
    if (!switched && !abandoned) {
      if (paused) {
        serving.resume();
      }
      try {
        runtime.retire(rebuilt);
      } catch (RuntimeException e) {
        log.warn("Could not delete the abandoned rebuild {}", rebuilt.applicationId(), e);
      }
    }
    phase = "FAILED";
    ended.accept("failed");
  }

  /**
   * Whether the rebuild has processed at least {@code target} on every input partition and all its
   * repartition topics hold; records its progress on the way.
   */
  private boolean caughtUpTo(
      Map<TopicPartition, Long> target, List<TopicPartition> inputPartitions) {
    String state = rebuilt.state();
    if (state.equals("ERROR") || state.equals("NOT_RUNNING") || state.equals("PENDING_ERROR")) {
      throw new DeploymentException("The rebuild " + rebuilt.applicationId() + " is " + state);
    }
    List<TopicPartition> partitions = new ArrayList<>(inputPartitions);
    partitions.addAll(internalPartitions());
    Map<TopicPartition, Long> committed = offsets.committed(rebuilt.applicationId());
    Map<TopicPartition, Long> ends = offsets.ends(partitions);
    List<RebuildStatus.PartitionProgress> now = new ArrayList<>();
    boolean caughtUp = true;
    for (TopicPartition partition : partitions) {
      long done = committed.getOrDefault(partition, 0L);
      long end = ends.getOrDefault(partition, 0L);
      now.add(
          new RebuildStatus.PartitionProgress(partition.topic(), partition.partition(), done, end));
      long wanted = inputPartitions.contains(partition) ? target.getOrDefault(partition, 0L) : end;
      caughtUp &= done >= wanted;
    }
    progress = now;
    lag.set(lagOf(now));
    return caughtUp;
  }

  private static long lagOf(List<RebuildStatus.PartitionProgress> partitions) {
    return partitions.stream().mapToLong(p -> Math.max(0, p.end() - p.committed())).sum();
  }

  /** The rebuild's repartition partitions; none until Kafka Streams has made the topics. */
  private List<TopicPartition> internalPartitions() {
    List<String> topics =
        repartitionTopics.stream().map(t -> rebuilt.applicationId() + "-" + t).toList();
    try {
      return offsets.partitions(topics);
    } catch (DeploymentException notYet) {
      return List.of();
    }
  }

  private static boolean atLeast(
      Map<TopicPartition, Long> offsets,
      Map<TopicPartition, Long> target,
      List<TopicPartition> partitions) {
    return partitions.stream()
        .allMatch(p -> offsets.getOrDefault(p, 0L) >= target.getOrDefault(p, 0L));
  }

  /** A paused group's offsets once its last commit has landed: two reads in a row agree. */
  private Map<TopicPartition, Long> settled(String group) throws InterruptedException {
    Map<TopicPartition, Long> before = new HashMap<>(offsets.committed(group));
    long deadline = System.nanoTime() + SWITCH_TIMEOUT.toNanos();
    while (true) {
      Thread.sleep(commitInterval.multipliedBy(3).toMillis());
      Map<TopicPartition, Long> after = offsets.committed(group);
      if (after.equals(before) || System.nanoTime() > deadline) {
        return after;
      }
      before = new HashMap<>(after);
    }
  }

  /** Polls until {@code condition}; fails past {@code timeout} (null: no limit). */
  private void await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (abandoned) {
        throw new InterruptedException();
      }
      if (System.nanoTime() > deadline) {
        throw new DeploymentException("Gave up after " + timeout + ": " + message);
      }
      Thread.sleep(POLL.toMillis());
    }
  }
}
