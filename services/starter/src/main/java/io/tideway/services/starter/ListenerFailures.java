package io.tideway.services.starter;

import io.tideway.outbox.OutboxException;
import io.tideway.schemas.client.RegistryException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.ListenerExecutionFailedException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.ExponentialBackOff;
import org.springframework.util.backoff.FixedBackOff;

/**
 * What a listener's failure says about its record, for how long to retry it: an outage of what the
 * service depends on (its database, the schema registry), or the registry refusing the schema of an
 * event the service publishes (a deployment's fault, which no record can mend), says nothing about
 * the record, which is retried until that ends, holding its partition, so that nothing is
 * dead-lettered for it; a record that cannot be decoded, or that the domain refuses (an unknown
 * resource, an invalid value, an overflow), goes to the dead-letter topic at once, as retrying
 * cannot change the answer and would only hold the records behind it; anything else is retried a
 * few times first.
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

  /**
   * The failure of a record, naming it for the error handler, of a class per kind of failure:
   * spring-kafka keeps the retries it chose at a record's first failure while the failure's class
   * stays the same, so a record that failed first on an outage and then on something the domain
   * refuses gets the retries of the second (and the other way round).
   */
  static BatchListenerFailedException failure(RuntimeException e, ConsumerRecord<?, ?> record) {
    if (outage(e)) {
      return new OutageFailure(e, record);
    }
    return refusedForGood(e) ? new RefusedRecordFailure(e, record) : new RecordFailure(e, record);
  }

  /**
   * What a dead letter is to name: the failure itself, not the wrappers the listener container and
   * {@link #failure} put around it.
   */
  static Exception underlying(Exception e) {
    Exception failure = e;
    while ((failure instanceof ListenerExecutionFailedException
            || failure instanceof BatchListenerFailedException)
        && failure.getCause() instanceof Exception cause) {
      failure = cause;
    }
    return failure;
  }

  /** A record failed on an outage of what the service depends on. */
  static final class OutageFailure extends BatchListenerFailedException {
    OutageFailure(RuntimeException cause, ConsumerRecord<?, ?> record) {
      super(cause.getMessage(), cause, record);
    }
  }

  /** A record could not be decoded, or the domain refuses it. */
  static final class RefusedRecordFailure extends BatchListenerFailedException {
    RefusedRecordFailure(RuntimeException cause, ConsumerRecord<?, ?> record) {
      super(cause.getMessage(), cause, record);
    }
  }

  /** A record failed for another reason. */
  static final class RecordFailure extends BatchListenerFailedException {
    RecordFailure(RuntimeException cause, ConsumerRecord<?, ?> record) {
      super(cause.getMessage(), cause, record);
    }
  }

  /**
   * Whether the failure, or one of its causes, is an outage of the database or the registry, or the
   * registry's refusal of the schema of an event the service appends to its outbox.
   */
  static boolean outage(Throwable failure) {
    boolean appending = false;
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      appending |= cause instanceof OutboxException;
      if (appending && cause instanceof RegistryException) {
        return true;
      }
      if (cause instanceof TransientDataAccessException
          || cause instanceof RecoverableDataAccessException
          || cause instanceof DataAccessResourceFailureException
          || cause instanceof CannotCreateTransactionException
          || cause instanceof SQLTransientException
          || cause instanceof SQLRecoverableException
          || (cause instanceof RegistryException registry && registryCannotServe(registry))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the registry could not be reached or could not serve: a 5xx, or a refusal of the
   * service itself (its credentials refused, rotated say; too many requests; a timeout), as opposed
   * to an answer about the schema, such as an unknown id.
   */
  private static boolean registryCannotServe(RegistryException registry) {
    int status = registry.httpStatus();
    return status >= 500 || status == 401 || status == 403 || status == 408 || status == 429;
  }

  private static boolean refusedForGood(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof UnprocessableRecordException
          || cause instanceof ResourceNotFoundException
          || cause instanceof IllegalArgumentException
          || cause instanceof ArithmeticException) {
        return true;
      }
    }
    return false;
  }
}
