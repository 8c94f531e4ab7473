package io.tideway.replay;

/** What a re-drive tells its caller as it goes; every method does nothing unless overridden. */
public interface RedriveListener {

  /** Offsets read and records re-driven so far, about once a second and once at the end. */
  default void progress(ReplayProgress progress) {}

  /** In a dry run: a dead letter that would be sent back to its original topic. */
  default void wouldSend(DeadLetter letter) {}

  /**
   * A dead letter that matched the filters but cannot be sent back.
   *
   * @param reason one line naming the dead letter's topic, partition and offset, and why
   */
  default void skipped(DeadLetter letter, String reason) {}
}
