package io.tideway.topology.runtime.errors;

import io.tideway.schemas.client.RegistryException;
import io.tideway.topology.EventHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An outage of the schema registry (unreachable, or answering 5xx) says nothing about the record
 * that met it: dead-lettering that record would leave an operator to re-drive every record read
 * during the outage. The handlers instead wait, then fail the stream thread; the runtime replaces
 * it, and under {@code exactly_once_v2} its tasks start again from their last commit, so the record
 * is read again until the registry answers. The wait grows with the outage's length, from {@link
 * #FIRST_WAIT} to {@link #LONGEST_WAIT}, so that a long outage does not keep threads cycling; it is
 * one for the whole runtime, as the registry is.
 */
final class RegistryOutage {

  static final Duration FIRST_WAIT = Duration.ofSeconds(1);
  static final Duration LONGEST_WAIT = Duration.ofSeconds(10);

  /** A failure this long after the last one starts a new outage. */
  static final Duration QUIET = Duration.ofMinutes(1);

  private static final Logger log = LoggerFactory.getLogger(RegistryOutage.class);
  private static final RegistryOutage RUNTIME = new RegistryOutage();

  private long startedAt;
  private long lastAt = Long.MIN_VALUE;
  private RegistryException lastWaitedFor;

  /** Whether the failure, or one of its causes, is an outage of the registry. */
  static boolean causedBy(Throwable failure) {
    return outage(failure) != null;
  }

  /**
   * Logs and counts the outage a record met, and waits before the handler fails the stream thread.
   *
   * @param stage {@code deserialization}, {@code processing} or {@code production}
   */
  static void waitOut(
      Throwable failure, ErrorHandlerContext context, String stage, ErrorCounts counts) {
    Duration wait = RUNTIME.next(outage(failure), System.currentTimeMillis());
    counts.registryOutage(stage);
    log.warn(
        "The schema registry could not serve during {} of the record of topic {}, partition {},"
            + " offset {} (event {}); failing the stream thread in {} ms to read it again from the"
            + " last commit: {}",
        stage,
        context.topic(),
        context.partition(),
        context.offset(),
        eventId(context),
        wait.toMillis(),
        failure.toString());
    try {
      Thread.sleep(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The wait before failing for this outage at {@code now}: none for a failure already waited for
   * (Kafka Streams hands a sink's failure to the production handler, then to the processing
   * handler), else half the outage's length so far, within the bounds.
   */
  synchronized Duration next(RegistryException outage, long now) {
    if (outage != null && outage == lastWaitedFor) {
      return Duration.ZERO;
    }
    lastWaitedFor = outage;
    if (lastAt == Long.MIN_VALUE || now - lastAt > QUIET.toMillis()) {
      startedAt = now;
    }
    lastAt = now;
    long wait = (now - startedAt) / 2;
    return Duration.ofMillis(
        Math.min(LONGEST_WAIT.toMillis(), Math.max(FIRST_WAIT.toMillis(), wait)));
  }

  private static RegistryException outage(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof RegistryException registry && registry.httpStatus() >= 500) {
        return registry;
      }
    }
    return null;
  }

  private static String eventId(ErrorHandlerContext context) {
    Header id = context.headers() == null ? null : context.headers().lastHeader(EventHeaders.ID);
    return id == null || id.value() == null
        ? "without id"
        : new String(id.value(), StandardCharsets.UTF_8);
  }
}
