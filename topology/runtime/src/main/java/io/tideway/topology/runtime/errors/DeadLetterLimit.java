package io.tideway.topology.runtime.errors;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.internals.ExceptionHandlerUtils;

/**
 * Keeps dead letters within what Kafka takes. A dead letter carries its input's key, value and
 * headers, and an input near the size limit (one the topic took, but whose result or dead letter
 * the producer cannot send) would have a dead letter refused too: the stream thread would fail on
 * it for ever, under exactly-once as the refusal dooms the transaction. Such a dead letter goes
 * without the input's key, value and headers: its error headers still name the input's topic,
 * partition and offset, where {@code tideway replay dlq} reads the input again, and {@value
 * #OMITTED_HEADER} says what was left out. The limit is the producer's {@code max.request.size},
 * and at most the broker's default {@code message.max.bytes} (1 MiB), which the dead-letter topic
 * keeps.
 */
final class DeadLetterLimit {

  /** The header of a dead letter sent without its input's bytes, saying how many there were. */
  static final String OMITTED_HEADER = "tideway.dead-letter.omitted";

  /** The broker's default largest record batch, rounded down; dead-letter topics keep it. */
  static final int BROKER_DEFAULT = 1 << 20;

  /** A batch's and a record's own fields (lengths, offsets, times), with room to spare. */
  static final int OVERHEAD = 1 << 10;

  /** The stack trace an oversized dead letter keeps, enough to see where the failure came from. */
  static final int STACKTRACE_KEPT = 8 << 10;

  private final int limit;

  DeadLetterLimit(int limit) {
    this.limit = limit;
  }

  /** The limit of the producer Kafka Streams configures from these settings. */
  static DeadLetterLimit from(Map<String, ?> configs) {
    Object configured =
        configs.get(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
    if (configured == null) {
      configured = configs.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
    }
    int producer =
        configured == null ? BROKER_DEFAULT : Integer.parseInt(configured.toString().strip());
    return new DeadLetterLimit(Math.min(producer, BROKER_DEFAULT));
  }

  /** The dead letters, each one too large replaced by one without its input's bytes. */
  List<ProducerRecord<byte[], byte[]>> apply(List<ProducerRecord<byte[], byte[]>> letters) {
    return letters.stream().map(this::fitted).toList();
  }

  private ProducerRecord<byte[], byte[]> fitted(ProducerRecord<byte[], byte[]> letter) {
    int size = size(letter.key()) + size(letter.value()) + size(letter.headers());
    if (size + OVERHEAD <= limit) {
      return letter;
    }
    Headers kept = new RecordHeaders();
    for (Header header : letter.headers()) {
      if (header.key().startsWith(ERROR_HEADER_PREFIX)) {
        boolean trace = header.key().equals(ExceptionHandlerUtils.HEADER_ERRORS_STACKTRACE_NAME);
        kept.add(header.key(), trace ? shortened(header.value()) : header.value());
      }
    }
    String omitted =
        "key, value and headers of "
            + size
            + " bytes, over the dead-letter limit of "
            + limit
            + ": read the record from the topic, partition and offset named";
    kept.add(OMITTED_HEADER, omitted.getBytes(StandardCharsets.UTF_8));
    return new ProducerRecord<>(
        letter.topic(), letter.partition(), letter.timestamp(), null, null, kept);
  }

  private static byte[] shortened(byte[] trace) {
    if (size(trace) <= STACKTRACE_KEPT) {
      return trace;
    }
    String text = new String(trace, StandardCharsets.UTF_8);
    return text.substring(0, Math.min(text.length(), STACKTRACE_KEPT))
        .getBytes(StandardCharsets.UTF_8);
  }

  private static int size(byte[] bytes) {
    return bytes == null ? 0 : bytes.length;
  }

  private static int size(Headers headers) {
    int size = 0;
    for (Header header : headers) {
      size += header.key().length() * 3 + size(header.value());
    }
    return size;
  }

  /** The prefix of the headers Kafka Streams names a failure with. */
  private static final String ERROR_HEADER_PREFIX = "__streams.errors.";
}
