package io.tideway.loadtest;

/** A run that could not be carried out; the message says why in one line. */
public class LoadTestException extends Exception {

  /** A failure with nothing underneath. */
  public LoadTestException(String message) {
    super(message);
  }

  /** A failure caused by another. */
  public LoadTestException(String message, Throwable cause) {
    super(message, cause);
  }
}
