package io.tideway.replay;

/**
 * Input a replay tool refuses, found before it writes anything: an unknown topic, a partition or an
 * offset out of range, a time in the future, a bound before the start. The message names what was
 * wrong and where, in one line.
 */
public final class ReplayException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** A refusal with its one-line reason. */
  public ReplayException(String message) {
    super(message);
  }
}
