package io.tideway.topology.runtime.errors;

import io.tideway.topics.DeadLetterLimit;
import io.tideway.topology.RefusedResults;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.internals.ExceptionHandlerUtils;

/**
 * The dead letters the handlers send, each within what the runtime's producer sends ({@link
 * DeadLetterLimit}): one too large goes without its input's key, value and headers, its error
 * headers naming the input's topic, partition and offset, where a re-drive reads it again (a result
 * without an input keeps the topic it was for, and is lost but for its description). Without this,
 * the refused dead letter would fail the stream thread on the same input for ever.
 */
final class BoundedDeadLetters {

  private static final List<String> PLACE =
      List.of(
          ExceptionHandlerUtils.HEADER_ERRORS_TOPIC_NAME,
          ExceptionHandlerUtils.HEADER_ERRORS_PARTITION_NAME,
          ExceptionHandlerUtils.HEADER_ERRORS_OFFSET_NAME,
          RefusedResults.DESTINATION_HEADER,
          RefusedResults.PARTITION_HEADER,
          ErrorCounts.STAGE_HEADER);

  private static final List<String> DESCRIPTION =
      List.of(
          ExceptionHandlerUtils.HEADER_ERRORS_EXCEPTION_NAME,
          ExceptionHandlerUtils.HEADER_ERRORS_EXCEPTION_MESSAGE_NAME,
          ExceptionHandlerUtils.HEADER_ERRORS_STACKTRACE_NAME);

  /** For a handler not configured by the runtime, as in a test of the handler alone. */
  static final BoundedDeadLetters DEFAULT =
      new BoundedDeadLetters(new DeadLetterLimit(DeadLetterLimit.DEFAULT));

  private final DeadLetterLimit limit;

  BoundedDeadLetters(DeadLetterLimit limit) {
    this.limit = limit;
  }

  /** Bounded by the producer Kafka Streams configures from these settings. */
  static BoundedDeadLetters from(Map<String, ?> configs) {
    Object configured =
        configs.get(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
    return new BoundedDeadLetters(
        DeadLetterLimit.forProducer(
            configured != null ? configured : configs.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG)));
  }

  /**
   * The dead letters, each naming the stage its record failed in ({@link ErrorCounts#STAGE_HEADER})
   * and each one too large replaced by one without its input's bytes.
   */
  List<ProducerRecord<byte[], byte[]>> apply(
      List<ProducerRecord<byte[], byte[]>> letters, String stage) {
    byte[] named = stage.getBytes(StandardCharsets.UTF_8);
    return letters.stream()
        .map(
            letter -> {
              letter.headers().add(ErrorCounts.STAGE_HEADER, named);
              return fitted(letter);
            })
        .toList();
  }

  private ProducerRecord<byte[], byte[]> fitted(ProducerRecord<byte[], byte[]> letter) {
    int size = DeadLetterLimit.size(length(letter.key()), length(letter.value()), letter.headers());
    return limit.fitted(letter, size, PLACE, DESCRIPTION);
  }

  private static int length(byte[] bytes) {
    return bytes == null ? 0 : bytes.length;
  }
}
