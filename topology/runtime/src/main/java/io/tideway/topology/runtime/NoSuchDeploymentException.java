package io.tideway.topology.runtime;

/** No deployment has the name asked for; the HTTP API answers {@code 404}. */
public class NoSuchDeploymentException extends DeploymentException {

  private static final long serialVersionUID = 1L;

  /**
   * @param name the name asked for
   */
  public NoSuchDeploymentException(String name) {
    super("No deployment named " + name);
  }
}
