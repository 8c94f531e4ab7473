package io.tideway.services.starter;

import io.tideway.schemas.client.RegistryException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.time.Duration;
import org.apache.kafka.common.errors.SerializationException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.ExponentialBackOff;
import org.springframework.util.backoff.FixedBackOff;

/**
 * What a listener's failure says about its record, for how long to retry it: an outage of what the
 * service depends on (its database, the schema registry) says nothing about the record, which is
 * retried until the outage ends, holding its partition, so that nothing is dead-lettered for it; a
 * record that cannot be decoded, or that the domain refuses (an unknown resource, an invalid value,
 * an overflow), goes to the dead-letter topic at once, as retrying cannot change the answer and
 * would only hold the records behind it; anything else is retried a few times first.
 */
final class ListenerFailures {

  /** The longest wait between two retries during an outage. */
  static final Duration LONGEST_OUTAGE_WAIT = Duration.ofSeconds(30);

  private ListenerFailures() {}

  /**
   * The retries for a failure: until it ends for an outage, none for a record that cannot be
   * decoded or that the domain refuses, else null (the handler's own).
   *
   * @param firstWait the wait before the first retry during an outage, doubled after
   */
  static BackOff retries(Throwable failure, Duration firstWait) {
    if (outage(failure)) {
      ExponentialBackOff untilItEnds = new ExponentialBackOff(firstWait.toMillis(), 2);
      untilItEnds.setMaxInterval(LONGEST_OUTAGE_WAIT.toMillis());
      return untilItEnds;
    }
    return refusedForGood(failure) ? new FixedBackOff(0, 0) : null;
  }

  /** Whether the failure, or one of its causes, is an outage of the database or the registry. */
  static boolean outage(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof TransientDataAccessException
          || cause instanceof RecoverableDataAccessException
          || cause instanceof DataAccessResourceFailureException
          || cause instanceof CannotCreateTransactionException
          || cause instanceof SQLTransientException
          || cause instanceof SQLRecoverableException
          // The registry could not be reached or could not serve (5xx), as opposed to an
          // answer about the schema, such as an unknown id.
          || (cause instanceof RegistryException registry && registry.httpStatus() >= 500)) {
        return true;
      }
    }
    return false;
  }

  private static boolean refusedForGood(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof SerializationException
          || cause instanceof ResourceNotFoundException
          || cause instanceof IllegalArgumentException
          || cause instanceof ArithmeticException) {
        return true;
      }
    }
    return false;
  }
}
