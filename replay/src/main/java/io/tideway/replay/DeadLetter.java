package io.tideway.replay;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A record in a dead-letter topic as Kafka Streams writes it ({@code
 * errors.dead.letter.queue.topic.name}): the failed record's key, value, headers and timestamp,
 * plus headers naming where it was read and what failed. Those header names are Kafka Streams' (its
 * {@code ExceptionHandlerUtils}); their values are UTF-8 text, partition and offset in decimal.
 *
 * @param dlqTopic the dead-letter topic
 * @param dlqPartition the dead-letter record's partition
 * @param dlqOffset the dead-letter record's offset
 * @param timestamp the dead-letter record's timestamp, which Kafka Streams sets to the failed
 *     record's timestamp, not to the time of the failure
 * @param originalTopic the topic the failed record was read from, or null when the header is
 *     missing
 * @param originalPartition its partition, or null when the header is missing or not a number
 * @param originalOffset its offset, or null when the header is missing or not a number
 * @param exception the class name of the exception, or null
 * @param message the exception's message, or null
 */
public record DeadLetter(
    String dlqTopic,
    int dlqPartition,
    long dlqOffset,
    Instant timestamp,
    String originalTopic,
    Integer originalPartition,
    Long originalOffset,
    String exception,
    String message) {

  /** The prefix of every header Kafka Streams adds to a dead letter. */
  public static final String ERROR_HEADER_PREFIX = "__streams.errors.";

  /** The topic the failed record was read from. */
  public static final String TOPIC_HEADER = ERROR_HEADER_PREFIX + "topic";

  /** The partition the failed record was read from. */
  public static final String PARTITION_HEADER = ERROR_HEADER_PREFIX + "partition";

  /** The offset of the failed record. */
  public static final String OFFSET_HEADER = ERROR_HEADER_PREFIX + "offset";

  /** The class name of the exception. */
  public static final String EXCEPTION_HEADER = ERROR_HEADER_PREFIX + "exception";

  /** The exception's message. */
  public static final String MESSAGE_HEADER = ERROR_HEADER_PREFIX + "message";

  /** The exception's stack trace. */
  public static final String STACKTRACE_HEADER = ERROR_HEADER_PREFIX + "stacktrace";

  /** Reads the dead-letter headers of a record from a dead-letter topic. */
  static DeadLetter of(ConsumerRecord<byte[], byte[]> record) {
    Headers headers = record.headers();
    return new DeadLetter(
        record.topic(),
        record.partition(),
        record.offset(),
        Instant.ofEpochMilli(record.timestamp()),
        text(headers, TOPIC_HEADER),
        number(text(headers, PARTITION_HEADER), Integer::valueOf),
        number(text(headers, OFFSET_HEADER), Long::valueOf),
        text(headers, EXCEPTION_HEADER),
        text(headers, MESSAGE_HEADER));
  }

  /** The record's own headers: all but those Kafka Streams added when it failed. */
  static Headers originalHeaders(Headers headers) {
    RecordHeaders original = new RecordHeaders();
    for (Header header : headers) {
      if (!header.key().startsWith(ERROR_HEADER_PREFIX)) {
        original.add(header);
      }
    }
    return original;
  }

  /** Where the dead letter is, {@code <dlq topic>-<partition>@<offset>}, for messages. */
  public String location() {
    return dlqTopic + "-" + dlqPartition + "@" + dlqOffset;
  }

  /** Where the failed record was read, {@code <topic>-<partition>@<offset>}, as far as known. */
  public String origin() {
    return (originalTopic == null ? "?" : originalTopic)
        + "-"
        + (originalPartition == null ? "?" : originalPartition)
        + "@"
        + (originalOffset == null ? "?" : originalOffset);
  }

  private static String text(Headers headers, String name) {
    Header header = headers.lastHeader(name);
    return header == null || header.value() == null
        ? null
        : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static <T> T number(String text, Function<String, T> parse) {
    if (text == null) {
      return null;
    }
    try {
      return parse.apply(text.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
