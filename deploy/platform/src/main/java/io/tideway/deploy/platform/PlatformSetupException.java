package io.tideway.deploy.platform;

/**
 * The platform cannot start because of how it was asked to: a port already taken, a data directory
 * that cannot be written or that another platform uses. The message names the problem and the
 * option that fixes it, and nothing was left running.
 */
public final class PlatformSetupException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message one line naming the problem and the option that fixes it
   */
  public PlatformSetupException(String message) {
    super(message);
  }
}
