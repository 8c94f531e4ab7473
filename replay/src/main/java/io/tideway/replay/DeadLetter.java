package io.tideway.replay;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A record in a dead-letter topic: the failed record's key, value, headers and timestamp, plus
 * headers naming where it was read and what failed. Four writers are understood:
 *
 * <ul>
 *   <li>Kafka Streams ({@code errors.dead.letter.queue.topic.name}, its {@code
 *       ExceptionHandlerUtils}): {@code __streams.errors.*} headers, UTF-8 text, partition and
 *       offset in decimal. The topologies Tideway runs write these.
 *   <li>Spring for Apache Kafka's {@code DeadLetterPublishingRecoverer}: {@code kafka_dlt-*}
 *       headers, partition, offset and the failed record's timestamp as big-endian binary. The
 *       services' listeners write these.
 *   <li>Tideway's saga engine, for a compensation it gave up on: the command it could not get
 *       answered, with {@value #SAGA_DESTINATION_HEADER} naming the topic it was for (which is
 *       where a re-drive sends it) and Kafka Streams' exception and message headers.
 *   <li>Tideway's topology runtime, for a result no input made (a punctuator's) that Kafka refused:
 *       the result itself, with {@value #RESULT_DESTINATION_HEADER} naming the topic it was for
 *       (where a re-drive sends it), {@value #RESULT_PARTITION_HEADER} the partition if it chose
 *       one, and Kafka Streams' exception, message and stack trace headers.
 * </ul>
 *
 * A record with Kafka Streams' topic header is read as theirs, one with a destination header as the
 * saga engine's or the runtime's result, any other as Spring's.
 *
 * @param dlqTopic the dead-letter topic
 * @param dlqPartition the dead-letter record's partition
 * @param dlqOffset the dead-letter record's offset
 * @param timestamp the dead-letter record's timestamp: Kafka Streams sets it to the failed record's
 *     timestamp, Spring to the time of the failure
 * @param originalTopic the topic the failed record was read from (for a saga's compensation or a
 *     result without an input, the topic it was for), or null when the header is missing
 * @param originalPartition its partition, or null when the header is missing or not a number (and
 *     for a saga's compensation, or a result that left its partition to the partitioner)
 * @param originalOffset its offset, or null likewise
 * @param originalTimestamp the failed record's timestamp, which a re-drive gives it again: Spring's
 *     header, else the dead-letter record's timestamp
 * @param exception the class name of the exception (for Spring's, the cause's when the exception is
 *     the container's wrapper of a listener's failure), or null
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
    Instant originalTimestamp,
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

  /** The prefix of every header Spring for Apache Kafka adds to a dead letter. */
  public static final String SPRING_HEADER_PREFIX = "kafka_dlt-";

  static final String SPRING_TOPIC_HEADER = SPRING_HEADER_PREFIX + "original-topic";
  static final String SPRING_PARTITION_HEADER = SPRING_HEADER_PREFIX + "original-partition";
  static final String SPRING_OFFSET_HEADER = SPRING_HEADER_PREFIX + "original-offset";
  static final String SPRING_TIMESTAMP_HEADER = SPRING_HEADER_PREFIX + "original-timestamp";
  static final String SPRING_EXCEPTION_HEADER = SPRING_HEADER_PREFIX + "exception-fqcn";
  static final String SPRING_CAUSE_HEADER = SPRING_HEADER_PREFIX + "exception-cause-fqcn";
  static final String SPRING_MESSAGE_HEADER = SPRING_HEADER_PREFIX + "exception-message";

  /**
   * The exceptions a Spring listener container wraps a listener's failure in: the failure is their
   * cause. The services' dead letters name the failure itself, unwrapped.
   */
  static final Set<String> SPRING_WRAPPERS =
      Set.of(
          "org.springframework.kafka.listener.ListenerExecutionFailedException",
          "org.springframework.kafka.listener.BatchListenerFailedException");

  /**
   * The header, and the prefix of the headers, the saga engine adds to a compensation it gave up.
   */
  static final String SAGA_HEADER = "tideway.saga";

  /**
   * The runtime's own headers of a dead letter: the stage its record failed in, and what a letter
   * too large to keep its bytes carries instead of them, as the topic catalogue's {@code
   * DeadLetterLimit} names them (written out here, as the replay needs no more of the catalogue;
   * its test reads the catalogue's header).
   */
  static final String LIMIT_HEADER_PREFIX = "tideway.dead-letter.";

  /** The header of a dead letter sent without its record's bytes. */
  static final String OMITTED_HEADER = LIMIT_HEADER_PREFIX + "omitted";

  /** The topic a dead-lettered saga compensation was for. */
  static final String SAGA_DESTINATION_HEADER = SAGA_HEADER + ".destination";

  /** The topic a dead-lettered result without an input was for. */
  static final String RESULT_DESTINATION_HEADER = "tideway.result.destination";

  /** The partition a dead-lettered result without an input was sent to, when it chose one. */
  static final String RESULT_PARTITION_HEADER = "tideway.result.partition";

  /** Reads the dead-letter headers of a record from a dead-letter topic. */
  static DeadLetter of(ConsumerRecord<byte[], byte[]> record) {
    Headers headers = record.headers();
    Instant timestamp = Instant.ofEpochMilli(record.timestamp());
    boolean fromStreams = headers.lastHeader(TOPIC_HEADER) != null;
    String destination = text(headers, SAGA_DESTINATION_HEADER);
    if (destination == null) {
      destination = text(headers, RESULT_DESTINATION_HEADER);
    }
    if (!fromStreams && destination != null) {
      return new DeadLetter(
          record.topic(),
          record.partition(),
          record.offset(),
          timestamp,
          destination,
          number(text(headers, RESULT_PARTITION_HEADER), Integer::valueOf),
          null,
          timestamp,
          text(headers, EXCEPTION_HEADER),
          text(headers, MESSAGE_HEADER));
    }
    if (!fromStreams) {
      String exception = text(headers, SPRING_EXCEPTION_HEADER);
      String cause = text(headers, SPRING_CAUSE_HEADER);
      Long originalTimestamp =
          binary(headers, SPRING_TIMESTAMP_HEADER, Long.BYTES, ByteBuffer::getLong);
      return new DeadLetter(
          record.topic(),
          record.partition(),
          record.offset(),
          timestamp,
          text(headers, SPRING_TOPIC_HEADER),
          binary(headers, SPRING_PARTITION_HEADER, Integer.BYTES, ByteBuffer::getInt),
          binary(headers, SPRING_OFFSET_HEADER, Long.BYTES, ByteBuffer::getLong),
          originalTimestamp == null ? timestamp : Instant.ofEpochMilli(originalTimestamp),
          cause != null && (exception == null || SPRING_WRAPPERS.contains(exception))
              ? cause
              : exception,
          text(headers, SPRING_MESSAGE_HEADER));
    }
    return new DeadLetter(
        record.topic(),
        record.partition(),
        record.offset(),
        timestamp,
        text(headers, TOPIC_HEADER),
        number(text(headers, PARTITION_HEADER), Integer::valueOf),
        number(text(headers, OFFSET_HEADER), Long::valueOf),
        timestamp,
        text(headers, EXCEPTION_HEADER),
        text(headers, MESSAGE_HEADER));
  }

  /**
   * The record's own headers: all but those Kafka Streams, Spring, the saga engine or the runtime
   * added when it failed.
   */
  static Headers originalHeaders(Headers headers) {
    RecordHeaders original = new RecordHeaders();
    for (Header header : headers) {
      if (!header.key().startsWith(ERROR_HEADER_PREFIX)
          && !header.key().startsWith(SPRING_HEADER_PREFIX)
          && !header.key().startsWith(LIMIT_HEADER_PREFIX)
          && !header.key().equals(RESULT_DESTINATION_HEADER)
          && !header.key().equals(RESULT_PARTITION_HEADER)
          && !header.key().equals(SAGA_HEADER)
          && !header.key().startsWith(SAGA_HEADER + ".")) {
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

  /** A header of exactly {@code size} bytes, read; null when missing or of another size. */
  private static <T> T binary(
      Headers headers, String name, int size, Function<ByteBuffer, T> read) {
    Header header = headers.lastHeader(name);
    return header == null || header.value() == null || header.value().length != size
        ? null
        : read.apply(ByteBuffer.wrap(header.value()));
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
