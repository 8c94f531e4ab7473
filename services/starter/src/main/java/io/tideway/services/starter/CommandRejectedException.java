package io.tideway.services.starter;

import org.springframework.http.HttpStatus;

/**
 * A well-formed command that the service refuses, answered with a problem of the given status:
 * {@code 409 Conflict} for a clash with existing data (a SKU already taken), {@code 422
 * Unprocessable Content} for a command the domain rules refuse (an order for a product the service
 * does not know).
 */
public class CommandRejectedException extends RuntimeException {

  private final HttpStatus status;

  /**
   * @param status 409 or 422
   * @param message why, for people
   */
  public CommandRejectedException(HttpStatus status, String message) {
    super(message);
    this.status = status;
  }

  /** The status the problem response carries. */
  public HttpStatus status() {
    return status;
  }
}
