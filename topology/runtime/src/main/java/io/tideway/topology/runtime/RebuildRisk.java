package io.tideway.topology.runtime;

/**
 * What a rebuild may change that an operator must allow ({@link TopologyRuntime#rebuild}): without
 * the allowance, a deployment at such a risk is not rebuilt.
 */
public enum RebuildRisk {

  /**
   * The deployment runs sagas: the rebuild decides them again from the log, where replies that came
   * through a repartition topic are not replayed in time order, so a rebuilt saga may end otherwise
   * than it did, and act on that once live.
   */
  SAGAS,

  /**
   * Retention (or a deletion of records) removed the first records of an input: the rebuild replays
   * only what is kept, and its read models, which then replace the current ones, lack what the
   * removed records made.
   */
  TRUNCATED_INPUTS
}
