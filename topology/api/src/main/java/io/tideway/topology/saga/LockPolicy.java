package io.tideway.topology.saga;

/**
 * What happens to a saga that starts while another saga of the same business key runs: the semantic
 * lock lets one run at a time per key.
 */
public enum LockPolicy {
  /** The new saga never runs: it is stored as {@code REJECTED} and counted. */
  REJECT,
  /**
   * The new saga waits as {@code QUEUED} and starts when the running one ends, in arrival order;
   * past 1,000 waiting behind one key, it is rejected as above.
   */
  QUEUE
}
