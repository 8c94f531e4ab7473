package io.tideway.replay;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.topics.DeadLetterLimit;
import io.tideway.topology.RefusedResults;
import io.tideway.topology.dedupe.Deduplicate;
import io.tideway.topology.saga.Saga;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.errors.internals.ExceptionHandlerUtils;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.ListenerExecutionFailedException;
import org.springframework.kafka.support.KafkaHeaders;

class DeadLetterTest {

  @Test
  void shouldReadTheHeadersKafkaStreamsWrites() {
    assertThat(DeadLetter.TOPIC_HEADER).isEqualTo(ExceptionHandlerUtils.HEADER_ERRORS_TOPIC_NAME);
    assertThat(DeadLetter.PARTITION_HEADER)
        .isEqualTo(ExceptionHandlerUtils.HEADER_ERRORS_PARTITION_NAME);
    assertThat(DeadLetter.OFFSET_HEADER).isEqualTo(ExceptionHandlerUtils.HEADER_ERRORS_OFFSET_NAME);
    assertThat(DeadLetter.EXCEPTION_HEADER)
        .isEqualTo(ExceptionHandlerUtils.HEADER_ERRORS_EXCEPTION_NAME);
    assertThat(DeadLetter.MESSAGE_HEADER)
        .isEqualTo(ExceptionHandlerUtils.HEADER_ERRORS_EXCEPTION_MESSAGE_NAME);
    assertThat(DeadLetter.STACKTRACE_HEADER)
        .isEqualTo(ExceptionHandlerUtils.HEADER_ERRORS_STACKTRACE_NAME);
  }

  @Test
  void shouldReadTheHeadersSpringWrites() {
    assertThat(DeadLetter.SPRING_TOPIC_HEADER).isEqualTo(KafkaHeaders.DLT_ORIGINAL_TOPIC);
    assertThat(DeadLetter.SPRING_PARTITION_HEADER).isEqualTo(KafkaHeaders.DLT_ORIGINAL_PARTITION);
    assertThat(DeadLetter.SPRING_OFFSET_HEADER).isEqualTo(KafkaHeaders.DLT_ORIGINAL_OFFSET);
    assertThat(DeadLetter.SPRING_TIMESTAMP_HEADER).isEqualTo(KafkaHeaders.DLT_ORIGINAL_TIMESTAMP);
    assertThat(DeadLetter.SPRING_EXCEPTION_HEADER).isEqualTo(KafkaHeaders.DLT_EXCEPTION_FQCN);
    assertThat(DeadLetter.SPRING_CAUSE_HEADER).isEqualTo(KafkaHeaders.DLT_EXCEPTION_CAUSE_FQCN);
    assertThat(DeadLetter.SPRING_MESSAGE_HEADER).isEqualTo(KafkaHeaders.DLT_EXCEPTION_MESSAGE);
    assertThat(DeadLetter.SPRING_WRAPPERS)
        .containsExactlyInAnyOrder(
            ListenerExecutionFailedException.class.getName(),
            BatchListenerFailedException.class.getName());
    assertThat(
            List.of(
                KafkaHeaders.DLT_EXCEPTION_STACKTRACE,
                KafkaHeaders.DLT_ORIGINAL_CONSUMER_GROUP,
                KafkaHeaders.DLT_ORIGINAL_TIMESTAMP_TYPE,
                KafkaHeaders.DLT_KEY_EXCEPTION_FQCN))
        .allMatch(name -> name.startsWith(DeadLetter.SPRING_HEADER_PREFIX));
  }

  @Test
  void shouldReadTheHeadersTheSagaEngineWrites() {
    assertThat(DeadLetter.SAGA_HEADER).isEqualTo(Saga.SAGA_HEADER);
    assertThat(DeadLetter.SAGA_DESTINATION_HEADER).isEqualTo(Saga.DESTINATION_HEADER);
    assertThat(List.of(Saga.SAGA_ID_HEADER, Saga.STEP_HEADER))
        .allMatch(name -> name.startsWith(DeadLetter.SAGA_HEADER + "."));
  }

  @Test
  void shouldSendAGivenUpCompensationToTheTopicItWasForWithoutTheSagaHeaders() {
    Headers headers = new RecordHeaders();
    headers.add("id", "c-2".getBytes(UTF_8));
    headers.add(DeadLetter.EXCEPTION_HEADER, "io.tideway.CompensationFailed".getBytes(UTF_8));
    headers.add(DeadLetter.MESSAGE_HEADER, "failed after 10 attempts".getBytes(UTF_8));
    headers.add(Saga.SAGA_HEADER, "place-order".getBytes(UTF_8));
    headers.add(Saga.SAGA_ID_HEADER, "s-1".getBytes(UTF_8));
    headers.add(Saga.STEP_HEADER, "reserve-credit".getBytes(UTF_8));
    headers.add(Saga.DESTINATION_HEADER, "customer.commands".getBytes(UTF_8));

    DeadLetter letter = DeadLetter.of(deadLetter(headers));

    assertThat(letter.originalTopic()).isEqualTo("customer.commands");
    assertThat(letter.originalPartition()).isNull();
    assertThat(letter.originalOffset()).isNull();
    assertThat(letter.originalTimestamp()).isEqualTo(Instant.ofEpochMilli(1_000));
    assertThat(letter.exception()).isEqualTo("io.tideway.CompensationFailed");
    assertThat(letter.message()).isEqualTo("failed after 10 attempts");
    assertThat(DeadLetter.originalHeaders(headers).toArray())
        .extracting(Header::key)
        .containsExactly("id");
  }

  @Test
  void shouldReadTheHeadersTheRuntimeAndTheCatalogueWrite() {
    assertThat(DeadLetter.RESULT_DESTINATION_HEADER).isEqualTo(RefusedResults.DESTINATION_HEADER);
    assertThat(DeadLetter.RESULT_PARTITION_HEADER).isEqualTo(RefusedResults.PARTITION_HEADER);
    assertThat(DeadLetter.OMITTED_HEADER).isEqualTo(DeadLetterLimit.OMITTED_HEADER);
    assertThat(RedriveSummary.DEDUPLICATION_WINDOW).isEqualTo(Deduplicate.DEFAULT_RETENTION);
  }

  @Test
  void shouldSendAPunctuatorsRefusedResultToTheTopicItWasForWithoutTheErrorHeaders() {
    Headers headers = new RecordHeaders();
    headers.add("id", "r-1".getBytes(UTF_8));
    headers.add(
        DeadLetter.EXCEPTION_HEADER, RecordTooLargeException.class.getName().getBytes(UTF_8));
    headers.add(DeadLetter.MESSAGE_HEADER, "too large".getBytes(UTF_8));
    headers.add(DeadLetter.STACKTRACE_HEADER, "at ...".getBytes(UTF_8));
    headers.add(RefusedResults.DESTINATION_HEADER, "reminders".getBytes(UTF_8));
    headers.add(RefusedResults.PARTITION_HEADER, "2".getBytes(UTF_8));

    DeadLetter letter = DeadLetter.of(deadLetter(headers));

    assertThat(letter.originalTopic()).isEqualTo("reminders");
    assertThat(letter.originalPartition()).isEqualTo(2);
    assertThat(letter.originalOffset()).isNull();
    assertThat(letter.exception()).isEqualTo(RecordTooLargeException.class.getName());
    assertThat(letter.message()).isEqualTo("too large");
    assertThat(DeadLetter.originalHeaders(headers).toArray())
        .extracting(Header::key)
        .containsExactly("id");
  }

  @Test
  void shouldReadWhereTheRecordFailedAndWhy() {
    DeadLetter letter = DeadLetter.of(deadLetter(deadLetterHeaders()));

    assertThat(letter.location()).isEqualTo("app.dlq-1@7");
    assertThat(letter.originalTopic()).isEqualTo("order.events");
    assertThat(letter.originalPartition()).isEqualTo(2);
    assertThat(letter.originalOffset()).isEqualTo(41L);
    assertThat(letter.origin()).isEqualTo("order.events-2@41");
    assertThat(letter.exception()).isEqualTo("java.lang.IllegalStateException");
    assertThat(letter.message()).isEqualTo("poison");
    assertThat(letter.timestamp()).isEqualTo(Instant.ofEpochMilli(1_000));
  }

  @Test
  void namesTheFailureOfASpringListenerNotTheContainersWrapperOrTheFailuresOwnCause() {
    Headers wrapped = new RecordHeaders();
    wrapped.add(
        DeadLetter.SPRING_EXCEPTION_HEADER,
        ListenerExecutionFailedException.class.getName().getBytes(UTF_8));
    wrapped.add(DeadLetter.SPRING_CAUSE_HEADER, "java.lang.IllegalStateException".getBytes(UTF_8));
    // The services unwrap the failure themselves: its own cause is not what failed.
    Headers unwrapped = new RecordHeaders();
    unwrapped.add(
        DeadLetter.SPRING_EXCEPTION_HEADER, "java.lang.IllegalStateException".getBytes(UTF_8));
    unwrapped.add(DeadLetter.SPRING_CAUSE_HEADER, "org.postgresql.PSQLException".getBytes(UTF_8));

    assertThat(DeadLetter.of(deadLetter(wrapped)).exception())
        .isEqualTo("java.lang.IllegalStateException");
    assertThat(DeadLetter.of(deadLetter(unwrapped)).exception())
        .isEqualTo("java.lang.IllegalStateException");
  }

  @Test
  void canReadADeadLetterWithoutKafkaStreamsHeaders() {
    DeadLetter letter = DeadLetter.of(deadLetter(new RecordHeaders()));

    assertThat(letter.originalTopic()).isNull();
    assertThat(letter.originalPartition()).isNull();
    assertThat(letter.exception()).isNull();
    assertThat(letter.origin()).isEqualTo("?-?@?");
  }

  @Test
  void shouldKeepTheRecordsOwnHeadersInOrderAndDropTheErrorHeaders() {
    Headers original = DeadLetter.originalHeaders(deadLetterHeaders());

    assertThat(original.toArray())
        .extracting(Header::key)
        .containsExactly("id", "eventType", "traceparent");
    assertThat(original.lastHeader("id").value()).isEqualTo("e-1".getBytes(UTF_8));
  }

  private static Headers deadLetterHeaders() {
    Headers headers = new RecordHeaders();
    headers.add("id", "e-1".getBytes(UTF_8));
    headers.add("eventType", "OrderPlaced".getBytes(UTF_8));
    headers.add(DeadLetter.EXCEPTION_HEADER, "java.lang.IllegalStateException".getBytes(UTF_8));
    headers.add(DeadLetter.MESSAGE_HEADER, "poison".getBytes(UTF_8));
    headers.add(DeadLetter.STACKTRACE_HEADER, "at ...".getBytes(UTF_8));
    headers.add("traceparent", "00-abc-def-01".getBytes(UTF_8));
    // The writers' own header, so that the prefix the replay strips is checked against it.
    headers.add(DeadLetterLimit.OMITTED_HEADER, "value".getBytes(UTF_8));
    headers.add("tideway.dead-letter.stage", "processing".getBytes(UTF_8));
    headers.add(DeadLetter.TOPIC_HEADER, "order.events".getBytes(UTF_8));
    headers.add(DeadLetter.PARTITION_HEADER, "2".getBytes(UTF_8));
    headers.add(DeadLetter.OFFSET_HEADER, "41".getBytes(UTF_8));
    return headers;
  }

  private static ConsumerRecord<byte[], byte[]> deadLetter(Headers headers) {
    return new ConsumerRecord<>(
        "app.dlq",
        1,
        7,
        1_000,
        TimestampType.CREATE_TIME,
        1,
        1,
        "k".getBytes(UTF_8),
        "v".getBytes(UTF_8),
        headers,
        Optional.empty());
  }
}
