package io.tideway.topology.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideway.topology.RefusedResults;
import io.tideway.topology.ResultInputs;
import io.tideway.topology.runtime.errors.ErrorCounts;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class ResultTracingClientsTest {

  private final RefusedResults refused = new RefusedResults();
  private final MockProducer<byte[], byte[]> kafka =
      new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
  private final List<Exception> outcomes = new ArrayList<>();
  private final List<ResultInputs.Input> inputs = new ArrayList<>();
  private final List<String> counted = new ArrayList<>();

  private static final String DEAD_LETTERS = "app.dlq";

  @Test
  void sendsThatFailWithTheTransactionsFirstFailureOnlySharedIt() {
    Producer<byte[], byte[]> producer = clients().tracing(kafka, true);
    // The broker's refusal without a message of its own: one object for every record.
    RecordTooLargeException refusal = new RecordTooLargeException();
    producer.initTransactions();
    producer.beginTransaction();
    send(producer, "a");
    send(producer, "b");
    kafka.errorNext(refusal);
    kafka.errorNext(refusal);

    assertThat(outcomes.get(0)).isSameAs(refusal);
    assertThat(outcomes.get(1)).isInstanceOf(TransactionAbortedException.class);

    // The next transaction's first failure is its own, whatever the object.
    producer.abortTransaction();
    producer.beginTransaction();
    send(producer, "c");
    kafka.errorNext(refusal);
    assertThat(outcomes.get(2)).isSameAs(refusal);
  }

  @Test
  void withoutTransactionsEveryFailureIsTheRecordsOwn() {
    Producer<byte[], byte[]> producer = clients().tracing(kafka, false);
    RecordTooLargeException refusal = new RecordTooLargeException();
    send(producer, "a");
    send(producer, "b");
    kafka.errorNext(refusal);
    kafka.errorNext(refusal);

    assertThat(outcomes).containsExactly(refusal, refusal);
  }

  @Test
  void aResultWithoutAnInputRefusedBeforeIsNotSentAgain() {
    Producer<byte[], byte[]> producer = clients().tracing(kafka, true);
    refused.rememberResult(result("big"), new RecordTooLargeException("64 KiB"));

    send(producer, "big");
    send(producer, "small");

    assertThat(outcomes).hasSize(1);
    assertThat(outcomes.get(0))
        .isInstanceOf(RefusedResults.RefusedResultException.class)
        .hasMessageContaining("64 KiB");
    assertThat(inputs).containsExactly(ResultInputs.NO_INPUT);
    assertThat(kafka.history())
        .extracting(r -> new String(r.value(), UTF_8))
        .containsExactly("small");
  }

  @Test
  void deadLettersOfATransactionAreCountedOnceItCommitsNotWhenItAborts() {
    Producer<byte[], byte[]> producer = clients().tracing(kafka, true);
    producer.initTransactions();
    producer.beginTransaction();
    producer.send(letter("processing"), null);
    kafka.completeNext();
    producer.abortTransaction();
    assertThat(counted).isEmpty();

    // Read again, it is dead-lettered again: counted once, with what the topology sent itself.
    producer.beginTransaction();
    producer.send(letter("processing"), null);
    producer.send(letter(null), null);
    send(producer, "not a letter");
    producer.commitTransaction();
    assertThat(counted).containsExactly("processing", ErrorCounts.OWN_STAGE);

    // A commit that fails counts nothing; its letters are forgotten with the transaction.
    producer.beginTransaction();
    producer.send(letter("production"), null);
    kafka.commitTransactionException = new KafkaException("fenced");
    assertThatThrownBy(producer::commitTransaction).hasMessage("fenced");
    kafka.commitTransactionException = null;
    producer.abortTransaction();
    producer.beginTransaction();
    producer.commitTransaction();
    assertThat(counted).containsExactly("processing", ErrorCounts.OWN_STAGE);
  }

  @Test
  void withoutTransactionsADeadLetterIsCountedOnceTheBrokerAcknowledgedIt() {
    Producer<byte[], byte[]> producer = clients().tracing(kafka, false);
    producer.send(letter("deserialization"), (metadata, exception) -> outcomes.add(exception));
    kafka.errorNext(new TimeoutException("broker gone"));
    assertThat(counted).isEmpty();

    producer.send(letter("deserialization"), (metadata, exception) -> outcomes.add(exception));
    kafka.completeNext();
    assertThat(counted).containsExactly("deserialization");
    assertThat(outcomes).hasSize(2);
  }

  private ResultTracingClients clients() {
    return new ResultTracingClients(
        refused,
        DEAD_LETTERS,
        new ErrorCounts() {
          @Override
          public void deadLettered(String stage) {
            counted.add(stage);
          }

          @Override
          public void registryOutage(String stage) {}
        });
  }

  private static ProducerRecord<byte[], byte[]> letter(String stage) {
    ProducerRecord<byte[], byte[]> letter =
        new ProducerRecord<>(DEAD_LETTERS, "k".getBytes(UTF_8), "v".getBytes(UTF_8));
    if (stage != null) {
      letter.headers().add(ErrorCounts.STAGE_HEADER, stage.getBytes(UTF_8));
    }
    return letter;
  }

  private void send(Producer<byte[], byte[]> producer, String value) {
    producer.send(
        result(value),
        (metadata, exception) -> {
          outcomes.add(exception);
          inputs.add(ResultInputs.completing());
        });
  }

  private static ProducerRecord<byte[], byte[]> result(String value) {
    return new ProducerRecord<>("reminders", "k".getBytes(UTF_8), value.getBytes(UTF_8));
  }
}
