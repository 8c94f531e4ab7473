package io.tideway.topology.runtime.errors;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.topology.EventHeaders;
import io.tideway.topology.RefusedResults;
import io.tideway.topology.ResultInputs;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.Response;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.Result;
import org.apache.kafka.streams.errors.internals.DefaultErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

/** The production handler's answers for results that no input made (a punctuator's). */
class ResultWithoutInputTest {

  private static final String DEAD_LETTERS = "reminders.dlq";

  /** Kafka's context during a punctuation: no topic, no offset. */
  private static final ErrorHandlerContext PUNCTUATION =
      new DefaultErrorHandlerContext(
          null, null, -1, -1, new RecordHeaders(), "remind", new TaskId(0, 0), 5L, null, null);

  private final RefusedResults refused = new RefusedResults();

  @Test
  void underAtLeastOnceTheResultItselfIsDeadLetteredNamingTheTopicItWasFor() {
    Response response =
        handle(handler(StreamsConfig.AT_LEAST_ONCE), reminder(), new RecordTooLargeException());

    assertThat(response.result()).isEqualTo(Result.RESUME);
    assertThat(response.deadLetterQueueRecords()).singleElement().satisfies(this::isTheReminder);
  }

  @Test
  void underExactlyOnceItFailsTheTransactionAndIsDeadLetteredWhenSentAgain() {
    DeadLetterProductionHandler handler = handler(StreamsConfig.EXACTLY_ONCE_V2);

    Response first = handle(handler, reminder(), new RecordTooLargeException("64 KiB"));
    assertThat(first.result()).isEqualTo(Result.FAIL);
    assertThat(first.deadLetterQueueRecords()).isEmpty();

    ProducerRecord<byte[], byte[]> again = reminder();
    Response second = handle(handler, again, refused.refusedAgain(again));
    assertThat(second.result()).isEqualTo(Result.RESUME);
    assertThat(second.deadLetterQueueRecords()).singleElement().satisfies(this::isTheReminder);
    assertThat(header(second.deadLetterQueueRecords().get(0), "__streams.errors.message"))
        .contains("64 KiB");
  }

  @Test
  void aChangelogWriteFailsTheTransactionUnderExactlyOnceAndIsNotDeadLettered() {
    ProducerRecord<byte[], byte[]> write =
        new ProducerRecord<>("reminders-pending-changelog", "a".getBytes(UTF_8), new byte[0]);

    Response exactlyOnce =
        handle(handler(StreamsConfig.EXACTLY_ONCE_V2), write, new RecordTooLargeException());
    assertThat(exactlyOnce.result()).isEqualTo(Result.FAIL);
    assertThat(exactlyOnce.deadLetterQueueRecords()).isEmpty();
    assertThat(refused.refusedAgain(write)).isNull();

    Response atLeastOnce =
        handle(handler(StreamsConfig.AT_LEAST_ONCE), write, new RecordTooLargeException());
    assertThat(atLeastOnce.result()).isEqualTo(Result.RESUME);
    assertThat(atLeastOnce.deadLetterQueueRecords()).isEmpty();
  }

  @Test
  void aDeadLetterTheDeadLetterTopicRefusesIsNotDeadLetteredAgain() {
    ProducerRecord<byte[], byte[]> letter =
        new ProducerRecord<>(DEAD_LETTERS, "a".getBytes(UTF_8), "medium@1".getBytes(UTF_8));

    Response atLeastOnce =
        handle(handler(StreamsConfig.AT_LEAST_ONCE), letter, new RecordTooLargeException());
    assertThat(atLeastOnce.result()).isEqualTo(Result.RESUME);
    assertThat(atLeastOnce.deadLetterQueueRecords()).isEmpty();

    Response exactlyOnce =
        handle(handler(StreamsConfig.EXACTLY_ONCE_V2), letter, new RecordTooLargeException());
    assertThat(exactlyOnce.result()).isEqualTo(Result.FAIL);
    assertThat(refused.refusedAgain(letter)).isNull();
  }

  @Test
  void aResultSentToAPartitionOfItsChoosingNamesIt() {
    ProducerRecord<byte[], byte[]> placed =
        new ProducerRecord<>("reminders", 2, 1_000L, "account-1".getBytes(UTF_8), new byte[0]);

    Response response =
        handle(handler(StreamsConfig.AT_LEAST_ONCE), placed, new RecordTooLargeException());

    assertThat(response.deadLetterQueueRecords())
        .singleElement()
        .satisfies(
            letter -> assertThat(header(letter, RefusedResults.PARTITION_HEADER)).isEqualTo("2"));
    assertThat(header(reminderLetter(), RefusedResults.PARTITION_HEADER)).isNull();
  }

  private ProducerRecord<byte[], byte[]> reminderLetter() {
    return handle(handler(StreamsConfig.AT_LEAST_ONCE), reminder(), new RecordTooLargeException())
        .deadLetterQueueRecords()
        .get(0);
  }

  private void isTheReminder(ProducerRecord<byte[], byte[]> letter) {
    assertThat(letter.topic()).isEqualTo(DEAD_LETTERS);
    assertThat(new String(letter.key(), UTF_8)).isEqualTo("account-1");
    assertThat(new String(letter.value(), UTF_8)).isEqualTo("medium@1");
    assertThat(letter.timestamp()).isEqualTo(1_000L);
    assertThat(header(letter, EventHeaders.ID)).isEqualTo("r-1");
    assertThat(header(letter, RefusedResults.DESTINATION_HEADER)).isEqualTo("reminders");
    assertThat(letter.headers().toArray())
        .extracting(Header::key)
        .doesNotContain(
            "__streams.errors.topic", "__streams.errors.partition", "__streams.errors.offset");
  }

  private DeadLetterProductionHandler handler(String guarantee) {
    DeadLetterProductionHandler handler = new DeadLetterProductionHandler();
    handler.configure(
        Map.of(
            StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee,
            StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, DEAD_LETTERS,
            RefusedResults.CONFIG, refused));
    return handler;
  }

  /** Handles the refusal as in the callback of a send made with no input being processed. */
  private static Response handle(
      DeadLetterProductionHandler handler,
      ProducerRecord<byte[], byte[]> result,
      Exception refusal) {
    AtomicReference<Response> response = new AtomicReference<>();
    ResultInputs.completing(
        ResultInputs.NO_INPUT,
        () -> response.set(handler.handleError(PUNCTUATION, result, refusal)));
    return response.get();
  }

  private static ProducerRecord<byte[], byte[]> reminder() {
    ProducerRecord<byte[], byte[]> reminder =
        new ProducerRecord<>(
            "reminders", null, 1_000L, "account-1".getBytes(UTF_8), "medium@1".getBytes(UTF_8));
    reminder.headers().add(EventHeaders.ID, "r-1".getBytes(UTF_8));
    return reminder;
  }

  private static String header(ProducerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), UTF_8);
  }
}
