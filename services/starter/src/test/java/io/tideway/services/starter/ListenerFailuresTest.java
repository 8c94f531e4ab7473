package io.tideway.services.starter;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.outbox.OutboxException;
import io.tideway.schemas.client.RegistryException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.ListenerExecutionFailedException;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;

class ListenerFailuresTest {

  private static final Duration FIRST = Duration.ofMillis(500);

  @Test
  void shouldRetryUntilAnOutageOfTheDatabaseEnds() {
    Throwable failure =
        failed(
            new CannotGetJdbcConnectionException(
                "no connection", new SQLTransientConnectionException()));

    assertThat(ListenerFailures.outage(failure)).isTrue();
    assertThat(waits(ListenerFailures.retries(failure, FIRST), 50))
        .as("never gives up, and waits at most 30 s")
        .doesNotContain(BackOffExecution.STOP)
        .contains(500L, 1_000L, 30_000L)
        .allMatch(wait -> wait <= 30_000L);
  }

  @Test
  void shouldRetryUntilTheRegistryAnswersAgain() {
    // A reply's serialization, in the outbox, while the registry is down.
    Throwable failure =
        failed(
            new OutboxException(
                "Cannot serialize the reply",
                new SerializationException(
                    "Could not register the schema",
                    new RegistryException(
                        500, RegistryException.STORE_ERROR, "registry unreachable"))));

    assertThat(ListenerFailures.outage(failure)).isTrue();
    assertThat(waits(ListenerFailures.retries(failure, FIRST), 20))
        .doesNotContain(BackOffExecution.STOP);
  }

  @Test
  void shouldRetryUntilTheRegistryTakesTheServicesCredentialsAgain() {
    for (int status : new int[] {401, 403, 429}) {
      Throwable failure =
          failed(
              new SerializationException(
                  "Could not read schema id 7", new RegistryException(status, status, "refused")));

      assertThat(ListenerFailures.outage(failure)).as("HTTP %d", status).isTrue();
    }
  }

  @Test
  void shouldRetryUntilTheRegistryTakesTheSchemaOfAnEventTheServicePublishes() {
    // A deployment whose event schema the registry refuses: no record is at fault, and
    // dead-lettering every one that has an effect to publish would reject them all.
    Throwable failure =
        failed(
            new OutboxException(
                "Cannot append OrderApproved to the outbox",
                new SerializationException(
                    "Could not register the schema",
                    new RegistryException(
                        409, RegistryException.INCOMPATIBLE_SCHEMA, "incompatible"))));

    assertThat(ListenerFailures.outage(failure)).isTrue();
    assertThat(waits(ListenerFailures.retries(failure, FIRST), 20))
        .doesNotContain(BackOffExecution.STOP);
  }

  @Test
  void shouldDeadLetterAtOnceWhatCannotBeDecoded() {
    // As the listeners' reading names them: the record, and what the deserializer found.
    Throwable unknownSchema =
        failed(
            new UnprocessableRecordException(
                "orders",
                0,
                7,
                "Unknown schema id 7",
                new SerializationException(
                    "Unknown schema id 7",
                    new RegistryException(404, RegistryException.SCHEMA_NOT_FOUND, "not found"))));
    Throwable notWireFormat =
        failed(
            new UnprocessableRecordException(
                "orders",
                0,
                8,
                "Unknown magic byte 0x7b",
                new SerializationException("Unknown magic byte 0x7b")));

    for (Throwable failure : new Throwable[] {unknownSchema, notWireFormat}) {
      assertThat(ListenerFailures.outage(failure)).isFalse();
      assertThat(waits(ListenerFailures.retries(failure, FIRST), 1))
          .containsExactly(BackOffExecution.STOP);
    }
  }

  @Test
  void shouldDeadLetterAtOnceWhatTheDomainRefuses() {
    // A saga's command for an order the service does not have; a line of -1 units; a total that
    // overflows.
    Throwable unknown = failed(new ResourceNotFoundException("order", "7f3c"));
    Throwable invalid = failed(new IllegalArgumentException("order 7f3c asks for -1 units"));
    Throwable overflow = failed(new ArithmeticException("integer overflow"));

    for (Throwable failure : new Throwable[] {unknown, invalid, overflow}) {
      assertThat(ListenerFailures.outage(failure)).isFalse();
      assertThat(waits(ListenerFailures.retries(failure, FIRST), 1))
          .containsExactly(BackOffExecution.STOP);
    }
  }

  @Test
  void shouldLeaveOtherFailuresToTheHandlersFewRetries() {
    assertThat(ListenerFailures.retries(failed(new IllegalStateException("a bug")), FIRST))
        .isNull();
  }

  @Test
  void shouldGiveEachKindOfFailureAClassOfItsOwnSoThatAChangeOfKindPicksTheRetriesAgain() {
    ConsumerRecord<String, byte[]> record = new ConsumerRecord<>("orders", 0, 7, "k", new byte[0]);
    RuntimeException outage =
        new CannotGetJdbcConnectionException("down", new SQLTransientConnectionException());
    RuntimeException refused = new IllegalArgumentException("country 'DEU' is not one");
    RuntimeException other = new IllegalStateException("something else");

    BatchListenerFailedException first = ListenerFailures.failure(outage, record);
    BatchListenerFailedException then = ListenerFailures.failure(refused, record);

    // spring-kafka chooses the retries again when the new failure is not of the last one's class
    assertThat(then.getClass().isInstance(first)).isFalse();
    assertThat(ListenerFailures.failure(other, record).getClass())
        .isNotIn(first.getClass(), then.getClass());
    assertThat(ListenerFailures.failure(outage, record)).isInstanceOf(first.getClass());
    assertThat(then.getRecord()).isSameAs(record);
    assertThat(waits(ListenerFailures.retries(then, FIRST), 1))
        .containsExactly(BackOffExecution.STOP);
  }

  @Test
  void shouldNameTheFailureItselfInADeadLetter() {
    ConsumerRecord<String, byte[]> record = new ConsumerRecord<>("orders", 0, 7, "k", new byte[0]);
    IllegalArgumentException refused = new IllegalArgumentException("not one");

    Exception wrapped =
        new ListenerExecutionFailedException(
            "listener failed", ListenerFailures.failure(refused, record));

    assertThat(ListenerFailures.underlying(wrapped)).isSameAs(refused);
    assertThat(ListenerFailures.underlying(refused)).isSameAs(refused);
  }

  private static Throwable failed(Exception cause) {
    return new BatchListenerFailedException("failed", cause, 0);
  }

  private static List<Long> waits(BackOff backOff, int count) {
    BackOffExecution execution = backOff.start();
    List<Long> waits = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      waits.add(execution.nextBackOff());
    }
    return waits;
  }
}
