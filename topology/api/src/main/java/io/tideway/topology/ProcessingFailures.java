package io.tideway.topology;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Tells an operator whether a record it forwarded failed further down its sub-topology, and which
 * processors below it took the record all the same. Kafka Streams catches a processor's exception
 * at that processor — the runtime's handler sends the record to the dead-letter topic — so {@code
 * forward} returns normally to the operators above it; the handler marks the failure here, on the
 * stream thread, for them to see.
 *
 * <p>{@link io.tideway.topology.dedupe.Deduplicate} uses it to remember a record that failed in one
 * branch as partly done: when the record comes again (re-driven from the dead-letter topic once its
 * cause is fixed), the branches that took it the first time skip it, and only the others process
 * it. The processors of a topology built with {@link TopologyContext#streamsBuilder()} report here
 * ({@link ObservedProcessors}); others are neither reported nor skipped.
 */
public final class ProcessingFailures {

  private static final ThreadLocal<Forwarding> CURRENT = ThreadLocal.withInitial(Forwarding::new);

  private ProcessingFailures() {}

  /**
   * What a forward came to.
   *
   * @param failed whether a processor below failed on the record
   * @param tookIt the processors below that took the record with everything below them, when it
   *     failed (empty when it did not)
   */
  public record Outcome(boolean failed, Set<String> tookIt) {}

  /** Marks the record being processed on this thread as failed; the runtime's handler calls it. */
  public static void markFailed() {
    CURRENT.get().failed = true;
  }

  /**
   * Runs {@code forward}, in which the processors named in {@code skip} pass the record by (each
   * took it, with everything below it, when it came before), and says how it went.
   */
  public static Outcome forward(Set<String> skip, Runnable forward) {
    Forwarding current = CURRENT.get();
    boolean failedAbove = current.failed;
    Set<String> skipAbove = current.skip;
    int tookFrom = current.tookIt.size();
    int failedFrom = current.failedIn.size();
    current.failed = false;
    current.skip = union(skipAbove, skip);
    current.operators++;
    try {
      forward.run();
      if (!current.failed) {
        return new Outcome(false, Set.of());
      }
      // A processor the record reached more than once (below a flatMap) may have failed once.
      Set<String> tookIt = new HashSet<>(current.tookIt.subList(tookFrom, current.tookIt.size()));
      current.failedIn.subList(failedFrom, current.failedIn.size()).forEach(tookIt::remove);
      return new Outcome(true, Set.copyOf(tookIt));
    } finally {
      current.operators--;
      if (current.operators == 0) {
        current.tookIt.clear();
        current.failedIn.clear();
      }
      current.skip = skipAbove;
      // An operator further up forwarded this record too: it failed for that one as well.
      current.failed |= failedAbove;
    }
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    if (a.isEmpty()) {
      return b;
    }
    if (b.isEmpty()) {
      return a;
    }
    Set<String> both = new HashSet<>(a);
    both.addAll(b);
    return both;
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

    /** Operators asking, through {@link #forward}, which processors took the record. */
    private int operators;

    private Set<String> skip = Set.of();

    /** Processors that took the record with everything below them, while an operator asks. */
    private final List<String> tookIt = new ArrayList<>();

    /** Processors that failed on the record, or below which it failed, while an operator asks. */
    private final List<String> failedIn = new ArrayList<>();

    /** Whether the processor took this record before, with everything below it. */
    boolean skips(String processor) {
      return !skip.isEmpty() && skip.contains(processor);
    }

    /**
     * Runs one processor's call, noting whether it went through: no exception, and no failure
     * marked below it.
     */
    void process(String processor, Runnable call) {
      boolean failedAbove = failed;
      failed = false;
      boolean threw = true;
      depth++;
      try {
        call.run();
        threw = false;
      } finally {
        depth--;
        if (operators > 0) {
          (threw || failed ? failedIn : tookIt).add(processor);
        }
        failed |= failedAbove;
      }
    }
  }
}
