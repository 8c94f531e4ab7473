package io.tideway.topology.runtime.errors;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;

/**
 * A record that cannot be read (random bytes, a wrong magic byte, an unknown schema id) goes to the
 * dead-letter topic with Kafka Streams' error headers, is counted, and processing continues.
 */
public class DeadLetterDeserializationHandler extends LogAndContinueExceptionHandler {

  private DeadLetterCount count = stage -> {};

  @Override
  public void configure(Map<String, ?> configs) {
    super.configure(configs);
    count = DeadLetterCount.from(configs);
  }

  @Override
  public Response handleError(
      ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
    count.record("deserialization");
    return super.handleError(context, record, exception);
  }
}
