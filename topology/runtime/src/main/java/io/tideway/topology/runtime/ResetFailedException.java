package io.tideway.topology.runtime;

/**
 * A reset that failed after it began to change things: its input offsets may have moved while its
 * internal topics or local state were not deleted. The deployment is left stopped, not run on such
 * mixed state; the message says so, and what failed.
 */
public class ResetFailedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message what failed and what state the deployment was left in
   * @param cause what failed
   */
  public ResetFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
