package io.tideway.topology.runtime.errors;

import io.tideway.topology.SideEffects;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;

/**
 * A record that cannot be read (random bytes, a wrong magic byte, an unknown schema id) goes to the
 * dead-letter topic with Kafka Streams' error headers, is counted, and processing continues. One
 * that could not be read because the schema registry could not serve is read again instead, once
 * the stream thread is replaced ({@link RegistryOutage}).
 */
public class DeadLetterDeserializationHandler extends LogAndContinueExceptionHandler {

  private ErrorCounts counts = ErrorCounts.NONE;
  private SideEffects sideEffects = SideEffects.LIVE;
  private BoundedDeadLetters bounded = BoundedDeadLetters.DEFAULT;

  @Override
  public void configure(Map<String, ?> configs) {
    super.configure(configs);
    counts = ErrorCounts.from(configs);
    sideEffects = SideEffects.in(configs);
    bounded = BoundedDeadLetters.from(configs);
  }

  @Override
  public Response handleError(
      ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
    if (RegistryOutage.causedBy(exception)) {
      RegistryOutage.waitOut(exception, context, "deserialization", counts);
      return Response.fail();
    }
    if (!sideEffects.live()) {
      return Response.resume(); // a rebuild's replay: dead-lettered when it first happened
    }
    return Response.resume(
        bounded.apply(
            super.handleError(context, record, exception).deadLetterQueueRecords(),
            "deserialization"));
  }
}
