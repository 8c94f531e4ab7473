package io.tideway.topology.runtime.errors;

import static io.tideway.topology.ResultInputs.NO_INPUT;

import io.tideway.topology.ProcessingFailures;
import io.tideway.topology.RefusedResults;
import io.tideway.topology.ResultInputs;
import io.tideway.topology.SideEffects;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.internals.ExceptionHandlerUtils;
import org.apache.kafka.streams.processor.TaskId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An output record that cannot be serialized, or that Kafka refuses for itself (too large,
 * invalid), sends its input record to the dead-letter topic, is counted, and processing continues;
 * a serialization failure, or a record the producer refused before sending it, is marked in {@link
 * ProcessingFailures}, so deduplication upstream does not remember the input's id and a re-drive of
 * it is processed (a refusal by the broker comes after the record's processing ended, too late to
 * mark: under at-least-once it is noted in {@link RefusedResults#failedAfterProcessing} instead).
 * The input is the result's own, as the runtime's producer noted it at the send ({@link
 * ResultInputs}), not the record the task is on when the broker answers; a dead letter of a
 * broker's refusal under at-least-once names the input's place without its bytes, which a re-drive
 * reads from there. Under exactly-once a refused record fails its whole transaction, dead letter
 * included, so there the input is remembered in {@link RefusedResults} and the stream thread fails:
 * its replacement reads the input again and dead-letters it before processing it. A result no input
 * made ({@link ResultInputs#NO_INPUT}, a punctuator's) is dead-lettered itself, with {@value
 * RefusedResults#DESTINATION_HEADER} naming the topic it was for; under exactly-once once it is
 * sent again after the failed transaction, which the runtime's producer then refuses at once
 * ({@link RefusedResults#refusedAgain}). A store's changelog write outside the processing of an
 * input (as its cache flushes at a commit) cannot be dead-lettered: under exactly-once it fails the
 * stream thread, under at-least-once the store goes on without it in its changelog. A dead letter
 * the dead-letter topic refuses is logged, not dead-lettered again. Any other send failure, and a
 * serialization that failed because the schema registry could not serve ({@link RegistryOutage}),
 * fails the stream thread, which the runtime replaces: under {@code exactly_once_v2} its task
 * restarts from the last commit and nothing is lost.
 */
public class DeadLetterProductionHandler extends DefaultProductionExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(DeadLetterProductionHandler.class);

  private ErrorCounts counts = ErrorCounts.NONE;
  private SideEffects sideEffects = SideEffects.LIVE;
  private BoundedDeadLetters bounded = BoundedDeadLetters.DEFAULT;
  private String deadLetterTopic;
  private RefusedResults refused;

  /** Where, under at-least-once, inputs are noted whose results the broker refused afterwards. */
  private RefusedResults failedAfterProcessing;

  @Override
  public void configure(Map<String, ?> configs) {
    super.configure(configs);
    counts = ErrorCounts.from(configs);
    sideEffects = SideEffects.in(configs);
    bounded = BoundedDeadLetters.from(configs);
    Object guarantee = configs.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
    boolean exactlyOnce = guarantee != null && guarantee.toString().startsWith("exactly_once");
    refused = exactlyOnce ? RefusedResults.in(configs) : null;
    failedAfterProcessing = exactlyOnce ? null : RefusedResults.in(configs);
    Object topic = configs.get("errors.dead.letter.queue.topic.name");
    deadLetterTopic = topic == null ? null : topic.toString();
  }

  @Override
  public Response handleError(
      ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
    ResultInputs.Input input = ResultInputs.completing();
    if (exception instanceof RefusedResults.RefusedResultException && input == NO_INPUT) {
      return deadLetterResult(context, record, exception); // refused before, not sent again
    }
    if (exception instanceof RecordTooLargeException
        || exception instanceof RecordBatchTooLargeException
        || exception instanceof InvalidRecordException) {
      if (record.topic().equals(deadLetterTopic)) {
        return refusedDeadLetter(record, exception);
      }
      if (input == NO_INPUT) {
        return refusedWithoutInput(context, record, exception);
      }
      // Kafka's context is the task's current record; the broker's refusal comes once the task
      // went on, so the result's own input, where the runtime's producer noted it, is the one.
      boolean whileProcessingIt = input == null || input == ResultInputs.processing();
      ErrorHandlerContext of = whileProcessingIt ? context : LetterContext.ofInput(context, input);
      if (refused != null) {
        if (!refused.remember(of.topic(), of.partition(), of.offset(), exception)) {
          return Response.fail(); // no input known to read again
        }
        log.warn(
            "Kafka refused a result for {} of topic {}, partition {}, offset {}, which fails the"
                + " transaction: the input is read again and sent to {}",
            record.topic(),
            of.topic(),
            of.partition(),
            of.offset(),
            deadLetterTopic,
            exception);
        return Response.fail();
      }
      if (whileProcessingIt) {
        // On the stream thread: the producer refused it before sending.
        ProcessingFailures.markFailed();
      } else if (failedAfterProcessing != null && sideEffects.live()) {
        // Its processing ended as if it went through: deduplication remembered its id.
        failedAfterProcessing.failedAfterProcessing(context.taskId(), input.eventId());
      }
      return deadLetter(of, record.topic(), exception);
    }
    return super.handleError(context, record, exception);
  }

  /**
   * A dead letter the dead-letter topic refused (its limit set below what the producer sends):
   * dead-lettering it again would be refused again. Under exactly-once its transaction fails
   * whatever the answer.
   */
  private Response refusedDeadLetter(ProducerRecord<byte[], byte[]> letter, Exception exception) {
    log.error(
        "Kafka refused a dead letter of {} bytes for {}, of the record of topic {}, partition {},"
            + " offset {} (or of a result no input made, for {}); it is not dead-lettered again{}",
        letter.value() == null ? 0 : letter.value().length,
        letter.topic(),
        headerText(letter, ExceptionHandlerUtils.HEADER_ERRORS_TOPIC_NAME),
        headerText(letter, ExceptionHandlerUtils.HEADER_ERRORS_PARTITION_NAME),
        headerText(letter, ExceptionHandlerUtils.HEADER_ERRORS_OFFSET_NAME),
        headerText(letter, RefusedResults.DESTINATION_HEADER),
        refused != null
            ? ", and its transaction fails: raise the dead-letter topic's max.message.bytes"
            : ", and is lost",
        exception);
    return refused != null ? Response.fail() : Response.resume();
  }

  private static String headerText(ProducerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null || header.value() == null
        ? null
        : new String(header.value(), StandardCharsets.UTF_8);
  }

  /**
   * A result sent with no input that Kafka refused: a punctuator's, which goes to the dead-letter
   * topic itself, as no input can be read again; or a store's changelog write as its cache flushes
   * at a commit, which cannot be dead-lettered in place of the store's state. Under exactly-once
   * that fails the stream thread; under at-least-once the store goes on with a value its changelog
   * lacks, and would lose it when restored.
   */
  private Response refusedWithoutInput(
      ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
    if (record.topic().endsWith("-changelog")) {
      log.error(
          "Kafka refused a write of task {} to the changelog topic {}{}; a store's value must fit"
              + " in what its changelog topic takes (max.message.bytes)",
          context.taskId(),
          record.topic(),
          refused != null
              ? ", which fails the transaction"
              : ": the store keeps a value its changelog lacks",
          exception);
      return refused != null ? Response.fail() : Response.resume();
    }
    if (refused != null) {
      refused.rememberResult(record, exception);
      log.warn(
          "Kafka refused a result for {} that no input made (a punctuator's), which fails the"
              + " transaction: sent again, it goes to {}",
          record.topic(),
          deadLetterTopic,
          exception);
      return Response.fail();
    }
    return deadLetterResult(context, record, exception);
  }

  /**
   * Dead-letters a result itself, with its key, value and headers, and {@value
   * RefusedResults#DESTINATION_HEADER} naming the topic it was for, where a re-drive sends it.
   */
  private Response deadLetterResult(
      ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
    if (!sideEffects.live() || deadLetterTopic == null) {
      return Response.resume();
    }
    log.warn(
        "Could not write to {} a result of task {} that no input made; it goes to {}",
        record.topic(),
        context.taskId(),
        deadLetterTopic,
        exception);
    ProducerRecord<byte[], byte[]> letter =
        ExceptionHandlerUtils.buildDeadLetterQueueRecord(
            deadLetterTopic,
            record.key(),
            record.value(),
            LetterContext.ofResult(context, record),
            exception);
    // It was read from no topic: the place headers Kafka's letters have would name none.
    letter.headers().remove(ExceptionHandlerUtils.HEADER_ERRORS_TOPIC_NAME);
    letter.headers().remove(ExceptionHandlerUtils.HEADER_ERRORS_PARTITION_NAME);
    letter.headers().remove(ExceptionHandlerUtils.HEADER_ERRORS_OFFSET_NAME);
    letter
        .headers()
        .add(RefusedResults.DESTINATION_HEADER, record.topic().getBytes(StandardCharsets.UTF_8));
    if (record.partition() != null) {
      letter
          .headers()
          .add(
              RefusedResults.PARTITION_HEADER,
              record.partition().toString().getBytes(StandardCharsets.UTF_8));
    }
    return Response.resume(bounded.apply(List.of(letter), "production"));
  }

  /**
   * The context a dead letter is written with, in place of Kafka's (the task's current record):
   * what it says of the failed record's place, headers and time, without its bytes.
   */
  private record LetterContext(
      ErrorHandlerContext current,
      String topic,
      int partition,
      long offset,
      Headers headers,
      long timestamp)
      implements ErrorHandlerContext {

    /**
     * A result's own input, refused after the task went on: its place in the log, without its
     * bytes, which Kafka no longer holds. Its dead letter is re-driven from that place, and has the
     * input's time, which a re-drive's --since reads (a record needs one all the same).
     */
    static LetterContext ofInput(ErrorHandlerContext current, ResultInputs.Input input) {
      return new LetterContext(
          current,
          input.topic(),
          input.partition(),
          input.offset(),
          new RecordHeaders(),
          input.timestamp() >= 0 ? input.timestamp() : System.currentTimeMillis());
    }

    /** A result without an input, read from no topic: its own headers and time. */
    static LetterContext ofResult(
        ErrorHandlerContext current, ProducerRecord<byte[], byte[]> result) {
      return new LetterContext(
          current,
          null,
          -1,
          -1,
          result.headers(),
          result.timestamp() != null ? result.timestamp() : current.timestamp());
    }

    @Override
    public String processorNodeId() {
      return current.processorNodeId();
    }

    @Override
    public TaskId taskId() {
      return current.taskId();
    }

    @Override
    public byte[] sourceRawKey() {
      return null;
    }

    @Override
    public byte[] sourceRawValue() {
      return null;
    }
  }

  @Override
  @SuppressWarnings("rawtypes")
  public Response handleSerializationError(
      ErrorHandlerContext context,
      ProducerRecord record,
      Exception exception,
      SerializationExceptionOrigin origin) {
    if (RegistryOutage.causedBy(exception)) {
      RegistryOutage.waitOut(exception, context, "production", counts);
      return Response.fail();
    }
    // Serialized on the stream thread, within the forward of the record's operators upstream.
    ProcessingFailures.markFailed();
    return deadLetter(context, record.topic(), exception);
  }

  private Response deadLetter(
      ErrorHandlerContext context, String outputTopic, Exception exception) {
    if (!sideEffects.live()) {
      return Response.resume(); // a rebuild's replay: dead-lettered when it first happened
    }
    log.warn(
        "Could not write to {} a result of topic {}, partition {}, offset {}; its input goes to {}",
        outputTopic,
        context.topic(),
        context.partition(),
        context.offset(),
        deadLetterTopic,
        exception);
    return Response.resume(
        bounded.apply(
            ExceptionHandlerUtils.maybeBuildDeadLetterQueueRecords(
                deadLetterTopic,
                context.sourceRawKey(),
                context.sourceRawValue(),
                context,
                exception),
            "production"));
  }
}
