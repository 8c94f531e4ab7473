package io.tideway.services.starter;

/** What became of a saga command: the {@code outcome} tag of the commands metric. */
public enum CommandOutcome {
  /** The command's effect was applied and answered. */
  APPLIED,
  /** Decided before (a resend, or a late command); the decision was sent again as the reply. */
  REPEATED,
  /** The same record again; nothing changed and nothing was sent. */
  DUPLICATE,
  /** Not a command of this service: the listener dead-letters it. */
  IGNORED
}
