package io.tideway.topology;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.utils.Bytes;

/**
 * Tells an operator whether a record it forwarded failed further down its sub-topology, and which
 * of the branches it forwards to took the record all the same. Kafka Streams catches a processor's
 * exception at that processor — the runtime's handler sends the record to the dead-letter topic —
 * so {@code forward} returns normally to the operators above it; the handler marks the failure
 * here, on the stream thread, for them to see.
 *
 * <p>{@link io.tideway.topology.dedupe.Deduplicate} uses it to remember a record that failed in one
 * branch as partly done: when the record comes again (re-driven from the dead-letter topic once its
 * cause is fixed), each branch that took it whole the first time passes it by, and only the others
 * process it. A branch is a processor the operator forwards to, with everything below it; it took
 * the record whole when no failure was marked while it ran. Only branches whose first processor has
 * a name of its own count: a name Kafka Streams generated ({@code KSTREAM-FILTER-0000000005}) may
 * belong to another processor once the topology changes, and the branch that failed would then pass
 * the record by. The processors of a topology built with {@link TopologyContext#streamsBuilder()}
 * report here ({@link ObservedProcessors}); others never pass a record by.
 */
public final class ProcessingFailures {

  private static final ThreadLocal<Forwarding> CURRENT = ThreadLocal.withInitial(Forwarding::new);

  private ProcessingFailures() {}

  /**
   * What a forward came to.
   *
   * @param failed whether a processor below failed on the record
   * @param tookIt the branches that took the record whole, by the names of their first processors,
   *     when it failed (empty when it did not)
   */
  public record Outcome(boolean failed, Set<String> tookIt) {}

  /** Marks the record being processed on this thread as failed; the runtime's handler calls it. */
  public static void markFailed() {
    CURRENT.get().failed = true;
  }

  /**
   * Runs {@code forward} of the event {@code eventId}, in which the branches named in {@code skip}
   * pass the record by (each took it whole when it came before), and says how it went.
   */
  public static Outcome forward(Bytes eventId, Set<String> skip, Runnable forward) {
    Forwarding current = CURRENT.get();
    boolean failedAbove = current.failed;
    Set<String> skipAbove = current.skip;
    int branchDepthAbove = current.branchDepth;
    Bytes eventAbove = current.event;
    current.event = eventId;
    int tookFrom = current.tookIt.size();
    int failedFrom = current.failedIn.size();
    current.failed = false;
    current.skip = skip;
    current.branchDepth = current.depth;
    try {
      forward.run();
      if (!current.failed) {
        return new Outcome(false, Set.of());
      }
      Set<String> tookIt = new HashSet<>(current.tookIt.subList(tookFrom, current.tookIt.size()));
      current.failedIn.subList(failedFrom, current.failedIn.size()).forEach(tookIt::remove);
      return new Outcome(true, Set.copyOf(tookIt));
    } finally {
      // This operator's branches only: an operator above it has branches of its own.
      current.tookIt.subList(tookFrom, current.tookIt.size()).clear();
      current.failedIn.subList(failedFrom, current.failedIn.size()).clear();
      current.skip = skipAbove;
      current.branchDepth = branchDepthAbove;
      current.event = eventAbove;
      // An operator further up forwarded this record too: it failed for that one as well.
      current.failed |= failedAbove;
    }
  }

  /**
   * Whether the innermost operator asking how its forward goes ({@link #forward}) is forwarding, on
   * this thread, the event it reads by this id: not so for an update a store's cache flushes at a
   * commit, or evicts while another event is forwarded, nor for what a punctuator forwards.
   */
  public static boolean forwarding(byte[] eventId) {
    Bytes event = CURRENT.get().event;
    return event != null && Arrays.equals(event.get(), eventId);
  }

  /** This stream thread's forward in progress; {@link ObservedProcessors} runs processors in it. */
  static Forwarding current() {
    return CURRENT.get();
  }

  /** The state of the forward in progress on one stream thread. */
  static final class Forwarding {

    /** Processor calls in progress. */
    int depth;

    /** Whether a processor failed on the record since the innermost processor call began. */
    boolean failed;

    /** The depth of the branches of the innermost operator asking, -1 when none asks. */
    private int branchDepth = -1;

    /** The event the innermost operator asking forwards, by the id it reads it by. */
    private Bytes event;

    private Set<String> skip = Set.of();

    /** The branches of the operators asking that took the record whole. */
    private final List<String> tookIt = new ArrayList<>();

    /** The branches of the operators asking that failed on the record. */
    private final List<String> failedIn = new ArrayList<>();

    /** Whether the processor starts a branch that took this record whole before. */
    boolean skips(String processor) {
      return depth == branchDepth && !skip.isEmpty() && skip.contains(processor);
    }

    /**
     * Runs one processor's call, noting, for a branch of an operator that asks, whether it went
     * through: no exception, and no failure marked below it.
     *
     * @param namedByTheTopology whether the processor's name is the topology's own, not generated
     */
    void process(String processor, boolean namedByTheTopology, Runnable call) {
      boolean branch = depth == branchDepth && namedByTheTopology;
      boolean failedAbove = failed;
      failed = false;
      boolean threw = true;
      depth++;
      try {
        call.run();
        threw = false;
      } finally {
        depth--;
        if (branch) {
          (threw || failed ? failedIn : tookIt).add(processor);
        }
        failed |= failedAbove;
      }
    }
  }
}
