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
 *   <li>catch up: its committed input offsets reach the serving deployment's, and it has processed
 *       what its repartition topics held then. Until then it runs with the replay's settings (tasks
 *       wait for every input to have data, so records are taken in time order across topics), then
 *       restarts, in the same group, with the live ones;
 *   <li>go live: its side effects flow from now on; the serving deployment, still live, goes on
 *       until it has processed all the rebuild processed before, repartition topics included, so no
 *       record's effect falls between the two;
 *   <li>pause the serving deployment (its stores still answer), and wait for the rebuild to have
 *       processed all it did, repartition topics included;
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

  /** The least time each step of the switch may take; more with a long commit interval. */
  private static final Duration MIN_SWITCH_TIMEOUT = Duration.ofMinutes(2);

  /**
   * Whether a deployment acts: a rebuild's is closed until it goes live; a serving deployment's
   * closes when a rebuild takes over from it, so it reports and sends nothing more.
   */
  static final class Gate implements SideEffects {

    private volatile boolean live;

    Gate(boolean live) {
      this.live = live;
    }

    @Override
    public boolean live() {
      return live;
    }

    void open() {
      live = true;
    }

    void close() {
      live = false;
    }
  }

  /**
   * The rebuild's application id may be recorded as its deployment's, and could not be taken back:
   * the rebuild is stopped but kept, so that a deploy resumes it rather than starting it anew.
   */
  static final class GenerationInDoubt extends DeploymentException {

    private static final long serialVersionUID = 1L;

    GenerationInDoubt(String applicationId, RuntimeException cause) {
      super(
          "Recording "
              + applicationId
              + " failed, and it may be recorded all the same: it is stopped and kept rather than"
              + " deleted, so that a deploy that takes it resumes it ("
              + cause.getMessage()
              + ")",
          cause);
    }
  }

  private final TopologyRuntime runtime;
  private final GroupOffsets offsets;
  private final Deployment serving;
  private final Deployment rebuilt;
  private final Set<String> inputs;
  private final Set<String> repartitionTopics;
  private final Gate gate;
  private final Runnable restartLive;
  private final Duration commitInterval;
  private final Duration switchTimeout;
  private final AtomicLong lag;
  private final Consumer<String> ended;
  private final Instant startedAt = Instant.now();
  private final Thread thread;
  private volatile String phase = "CATCHING_UP";
  private volatile String message = "replaying the inputs from the beginning";
  private volatile List<RebuildStatus.PartitionProgress> progress = List.of();
  private volatile boolean abandoned;

  /** Whether queries went to the rebuild: it is then the deployment, which the runtime closes. */
  private volatile boolean switched;

  Rebuild(
      TopologyRuntime runtime,
      GroupOffsets offsets,
      Deployment serving,
      Deployment rebuilt,
      Set<String> inputs,
      Set<String> repartitionTopics,
      Gate gate,
      Runnable restartLive,
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
    this.restartLive = restartLive;
    this.commitInterval = Duration.ofMillis(commitIntervalMs);
    this.switchTimeout = switchTimeout(commitInterval);
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
    if (!switched) {
      rebuilt.close(Duration.ofSeconds(30), true);
    }
  }

  private void run() {
    boolean paused = false;
    try {
      List<TopicPartition> inputPartitions = offsets.partitions(inputs);
      await(() -> caughtUpTo(offsets.committed(serving.applicationId()), inputPartitions), null);
      awaitDrained(rebuilt, null);
      message = "caught up; restarting with the live settings";
      restartLive.run();
      // Its stores answer queries only once its tasks run again.
      await(() -> rebuilt.state().equals("RUNNING"), switchTimeout);

      phase = "SWITCHING";
      message = "live; waiting for the serving deployment to process what the rebuild did";
      gate.open();
      Thread.sleep(commitInterval.multipliedBy(3).toMillis());
      Map<TopicPartition, Long> processed = offsets.committed(rebuilt.applicationId());
      await(
          () -> atLeast(offsets.committed(serving.applicationId()), processed, inputPartitions),
          switchTimeout);
      // What those inputs sent through the serving deployment's repartitions is acted on too.
      awaitDrained(serving, switchTimeout);
      serving.pause();
      paused = true;
      message = "serving deployment paused; waiting for the rebuild to process all it did";
      Map<TopicPartition, Long> served = settled(serving.applicationId());
      await(() -> caughtUpTo(served, inputPartitions), switchTimeout);
      awaitDrained(rebuilt, switchTimeout);
      runtime.switchTo(serving, rebuilt);
      switched = true;

      phase = "RETIRING";
      message =
          "queries go to " + rebuilt.applicationId() + "; deleting " + serving.applicationId();
      try {
        runtime.retire(serving);
        message = serving.name() + " runs as " + rebuilt.applicationId();
      } catch (RuntimeException e) {
        log.warn("Could not delete {} after the switch", serving.applicationId(), e);
        message =
            serving.name()
                + " runs as "
                + rebuilt.applicationId()
                + "; deleting "
                + serving.applicationId()
                + " failed: "
                + e.getMessage();
      }
      phase = "DONE";
      lag.set(0);
      ended.accept("done");
      log.info(
          "Rebuilt {}: {} replaced {}",
          serving.name(),
          rebuilt.applicationId(),
          serving.applicationId());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(paused, "interrupted", false);
    } catch (RuntimeException e) {
      log.error("Rebuild of {} failed", serving.name(), e);
      fail(paused, e.getMessage(), e instanceof GenerationInDoubt);
    } finally {
      // Whatever went wrong, the rebuild has ended: the deployment must not stay locked.
      if (!ended()) {
        phase = "FAILED";
      }
    }
  }

  private void fail(boolean paused, String why, boolean keepRebuilt) {
    message = why;
    try {
      if (!switched && !abandoned) {
        if (paused) {
          serving.resume();
        }
        if (keepRebuilt) {
          runtime.shelve(rebuilt);
        } else {
          runtime.retire(rebuilt);
        }
      }
    } catch (RuntimeException e) {
      log.warn("Could not undo the rebuild {}", rebuilt.applicationId(), e);
    } finally {
      phase = "FAILED";
      lag.set(0); // nothing is replaying any more: an alert on the lag must not fire for ever
      ended.accept("failed");
    }
  }

  /**
   * Whether the rebuild has processed at least {@code target} on every input partition; records its
   * progress, repartition topics included, on the way. A cluster slow to answer only delays the
   * answer: a replay of hours is not given up for one timeout.
   */
  private boolean caughtUpTo(
      Map<TopicPartition, Long> target, List<TopicPartition> inputPartitions) {
    String state = rebuilt.state();
    if (state.equals("ERROR") || state.equals("NOT_RUNNING") || state.equals("PENDING_ERROR")) {
      throw new DeploymentException("The rebuild " + rebuilt.applicationId() + " is " + state);
    }
    List<TopicPartition> partitions = new ArrayList<>(inputPartitions);
    partitions.addAll(repartitions(rebuilt));
    Map<TopicPartition, Long> committed;
    Map<TopicPartition, Long> ends;
    try {
      committed = offsets.committed(rebuilt.applicationId());
      ends = offsets.ends(partitions);
    } catch (DeploymentException slow) {
      log.warn("Rebuild of {}: {}; asking again", serving.name(), slow.getMessage());
      return false;
    }
    List<RebuildStatus.PartitionProgress> now = new ArrayList<>();
    for (TopicPartition partition : partitions) {
      now.add(
          new RebuildStatus.PartitionProgress(
              partition.topic(),
              partition.partition(),
              committed.getOrDefault(partition, 0L),
              ends.getOrDefault(partition, 0L)));
    }
    progress = now;
    lag.set(lagOf(now));
    return atLeast(committed, target, inputPartitions);
  }

  private static long lagOf(List<RebuildStatus.PartitionProgress> partitions) {
    return partitions.stream().mapToLong(p -> Math.max(0, p.end() - p.committed())).sum();
  }

  /**
   * Waits until a deployment has processed what its repartition topics held when asked: their
   * committed records, so an open transaction does not move the target.
   */
  private void awaitDrained(Deployment deployment, Duration timeout) throws InterruptedException {
    List<TopicPartition> partitions = repartitions(deployment);
    Map<TopicPartition, Long> held = offsets.stableEnds(partitions);
    await(() -> atLeast(offsets.committed(deployment.applicationId()), held, partitions), timeout);
  }

  /** A deployment's repartition partitions; none until Kafka Streams has made the topics. */
  private List<TopicPartition> repartitions(Deployment deployment) {
    List<String> topics =
        repartitionTopics.stream().map(t -> deployment.applicationId() + "-" + t).toList();
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

  /**
   * How long each step of the switch may take: each waits for commits, so at a commit interval of
   * minutes, two minutes are not enough.
   */
  static Duration switchTimeout(Duration commitInterval) {
    Duration commits = commitInterval.multipliedBy(10);
    return commits.compareTo(MIN_SWITCH_TIMEOUT) > 0 ? commits : MIN_SWITCH_TIMEOUT;
  }

  /** A paused group's offsets once its last commit has landed: two reads in a row agree. */
  private Map<TopicPartition, Long> settled(String group) throws InterruptedException {
    Map<TopicPartition, Long> before = new HashMap<>(offsets.committed(group));
    long deadline = System.nanoTime() + switchTimeout.toNanos();
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
