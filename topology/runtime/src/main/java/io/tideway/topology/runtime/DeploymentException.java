package io.tideway.topology.runtime;

/**
 * A deployment that cannot be made: a bad jar, a provider that throws, a duplicate name or
 * application id, generated resource names, or a breaking change. The message says which.
 */
public class DeploymentException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message what is wrong, naming the jar or deployment
   */
  public DeploymentException(String message) {
    super(message);
  }

  /**
   * @param message what is wrong, naming the jar or deployment
   * @param cause what failed
   */
  public DeploymentException(String message, Throwable cause) {
    super(message, cause);
  }
}
