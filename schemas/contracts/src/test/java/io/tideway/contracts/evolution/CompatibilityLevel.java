package io.tideway.contracts.evolution;

/**
 * The compatibility levels of the Confluent Schema Registry, with the same meaning, so that what
 * the build accepts is what a registry configured alike would accept.
 */
enum CompatibilityLevel {
  /** The new schema can read data written with the latest released version. */
  BACKWARD(true, false, false),
  /** The new schema can read data written with every released version. */
  BACKWARD_TRANSITIVE(true, false, true),
  /** The latest released version can read data written with the new schema. */
  FORWARD(false, true, false),
  /** Every released version can read data written with the new schema. */
  FORWARD_TRANSITIVE(false, true, true),
  /** Both BACKWARD and FORWARD. */
  FULL(true, true, false),
  /** Both BACKWARD_TRANSITIVE and FORWARD_TRANSITIVE. */
  FULL_TRANSITIVE(true, true, true),
  /** Anything goes: consumers and producers of this schema are deployed together. */
  NONE(false, false, false);

  private final boolean newReadsOld;
  private final boolean oldReadsNew;
  private final boolean transitive;

  CompatibilityLevel(boolean newReadsOld, boolean oldReadsNew, boolean transitive) {
    this.newReadsOld = newReadsOld;
    this.oldReadsNew = oldReadsNew;
    this.transitive = transitive;
  }

  boolean newReadsOld() {
    return newReadsOld;
  }

  boolean oldReadsNew() {
    return oldReadsNew;
  }

  boolean transitive() {
    return transitive;
  }
}
