package io.tideway.services.starter;

/**
 * The request's {@code If-Match} names a version that is no longer current: answered {@code 412
 * Precondition Failed}, so the client reads the resource again before it changes it.
 */
public class PreconditionFailedException extends RuntimeException {

  /**
   * @param kind what was to be changed, e.g. {@code customer}
   * @param id its id
   * @param current its current version
   */
  public PreconditionFailedException(String kind, Object id, long current) {
    super(
        "The "
            + kind
            + " "
            + id
            + " is at version "
            + current
            + ", not the one If-Match names: read it again");
  }
}
