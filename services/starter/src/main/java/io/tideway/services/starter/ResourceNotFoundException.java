package io.tideway.services.starter;

/** The request names something that does not exist: answered {@code 404 Not Found}. */
public class ResourceNotFoundException extends RuntimeException {

  /**
   * @param kind what was looked for, e.g. {@code customer}
   * @param id the id it was looked for by
   */
  public ResourceNotFoundException(String kind, Object id) {
    super("No " + kind + " with id " + id);
  }
}
