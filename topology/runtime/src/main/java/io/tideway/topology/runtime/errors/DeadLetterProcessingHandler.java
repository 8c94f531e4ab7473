package io.tideway.topology.runtime.errors;

import io.tideway.topology.EventHeaders;
import io.tideway.topology.ProcessingFailures;
import io.tideway.topology.ProcessingObserver;
import io.tideway.topology.RefusedResults;
import io.tideway.topology.SideEffects;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.api.Record;

/**
 * A record a processor throws on (a failed domain check, an event with no id) goes to the
 * dead-letter topic with Kafka Streams' error headers, is counted, and processing continues. The
 * failure is marked in {@link ProcessingFailures}, so deduplication upstream does not remember the
 * record's id as done and a re-drive of it is processed; one that fails outside deduplication's
 * forward of it (in what a store's cache flushes or evicts), after its id was remembered, is noted
 * in {@link RefusedResults} for the same. A processor that failed because the schema registry could
 * not serve has its record processed again instead, once the stream thread is replaced ({@link
 * RegistryOutage}). The deployment's {@link ProcessingObserver} is told, so that a query waiting
 * for the event learns at once that its store will not hold it. An earlier result's send failure,
 * which Kafka Streams throws from within a later record, fails the stream thread.
 */
public class DeadLetterProcessingHandler extends LogAndContinueProcessingExceptionHandler {

  private ErrorCounts counts = ErrorCounts.NONE;
  private SideEffects sideEffects = SideEffects.LIVE;
  private BoundedDeadLetters bounded = BoundedDeadLetters.DEFAULT;
  private ProcessingObserver observer = NO_OBSERVER;
  private RefusedResults failedAfterProcessing;

  /** Where the runtime passes no observer, as in a test of the handler alone. */
  private static final ProcessingObserver NO_OBSERVER =
      (processor, partition, offset, id, at) -> {};

  @Override
  public void configure(Map<String, ?> configs) {
    super.configure(configs);
    counts = ErrorCounts.from(configs);
    sideEffects = SideEffects.in(configs);
    bounded = BoundedDeadLetters.from(configs);
    failedAfterProcessing = RefusedResults.in(configs);
    if (configs.get(ProcessingObserver.CONFIG) instanceof ProcessingObserver configured) {
      observer = configured;
    }
  }

  @Override
  public Response handleError(
      ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
    if (RegistryOutage.causedBy(exception)) {
      RegistryOutage.waitOut(exception, context, "processing", counts);
      return Response.fail();
    }
    if (earlierSendFailed(exception)) {
      return Response.fail();
    }
    ProcessingFailures.markFailed();
    // A punctuator that failed has no record.
    String eventId = record == null ? null : EventHeaders.eventId(record.headers());
    observer.failed(
        context.processorNodeId(),
        context.taskId().partition(),
        context.offset(),
        eventId != null ? eventId : EventHeaders.eventId(context.headers()),
        record == null ? null : record.key());
    if (!sideEffects.live()) {
      return Response.resume(); // a rebuild's replay: dead-lettered when it first happened
    }
    if (eventId != null
        && failedAfterProcessing != null
        && !ProcessingFailures.forwarding(eventId.getBytes(StandardCharsets.UTF_8))) {
      // Failed outside the operator's forward of it, after deduplication remembered its id as
      // done (an update a store's cache flushed or evicted): to be taken again when re-driven.
      failedAfterProcessing.failedAfterProcessing(context.taskId(), eventId);
    }
    return Response.resume(
        bounded.apply(
            super.handleError(context, record, exception).deadLetterQueueRecords(),
            exception instanceof RefusedResults.RefusedResultException
                ? "production"
                : "processing"));
  }

  /**
   * Whether the exception is an earlier result's send failure, which Kafka Streams keeps and throws
   * at the task's next send, from within whichever record is then being processed: that record did
   * nothing wrong, and dead-lettered, it would be lost while the failed result's is let go. The
   * stream thread fails instead, as for any send failure the production handler did not take.
   */
  static boolean earlierSendFailed(Exception exception) {
    return exception instanceof StreamsException
        && exception.getCause() instanceof KafkaException
        && exception.getMessage() != null
        && exception.getMessage().startsWith(SEND_FAILURE);
  }

  /** How Kafka Streams' record collector words a send failure it keeps for the next send. */
  static final String SEND_FAILURE = "Error encountered sending record to topic ";
}
