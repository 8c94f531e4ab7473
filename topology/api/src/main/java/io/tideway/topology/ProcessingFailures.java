package io.tideway.topology;

/**
 * Tells an operator whether a record it forwarded failed further down its sub-topology. Kafka
 * Streams catches a processor's exception at that processor — the runtime's handler sends the
 * record to the dead-letter topic — so {@code forward} returns normally to the operators above it;
 * the handler marks the failure here, on the stream thread, for them to see.
 *
 * <p>{@link io.tideway.topology.dedupe.Deduplicate} uses it to remember only the ids of records
 * that went through, so a record re-driven from the dead-letter topic once its cause is fixed is
 * processed, not dropped as a duplicate.
 */
public final class ProcessingFailures {

  private static final ThreadLocal<boolean[]> FAILED =
      ThreadLocal.withInitial(() -> new boolean[1]);

  private ProcessingFailures() {}

  /** Marks the record being processed on this thread as failed; the runtime's handler calls it. */
  public static void markFailed() {
    FAILED.get()[0] = true;
  }

  /** Runs {@code forward} and says whether the record failed anywhere below. */
  public static boolean failedDuring(Runnable forward) {
    boolean[] failed = FAILED.get();
    boolean outer = failed[0];
    failed[0] = false;
    try {
      forward.run();
      return failed[0];
    } finally {
      // An operator further up forwarded this record too: it failed for that one as well.
      failed[0] |= outer;
    }
  }
}
