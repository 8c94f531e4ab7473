package io.tideway.topology.runtime.errors;

import io.tideway.topology.ProcessingFailures;
import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

/**
 * A record a processor throws on (a failed domain check, an event with no id) goes to the
 * dead-letter topic with Kafka Streams' error headers, is counted, and processing continues. The
 * failure is marked in {@link ProcessingFailures}, so deduplication upstream does not remember the
 * record's id and a re-drive of it is processed.
 */
public class DeadLetterProcessingHandler extends LogAndContinueProcessingExceptionHandler {

  private DeadLetterCount count = stage -> {};

  @Override
  public void configure(Map<String, ?> configs) {
    super.configure(configs);
    count = DeadLetterCount.from(configs);
  }

  @Override
  public Response handleError(
      ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
    count.record("processing");
    ProcessingFailures.markFailed();
    return super.handleError(context, record, exception);
  }
}
