package io.tideway.topology.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.topology.RefusedResults;
import io.tideway.topology.ResultInputs;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class ResultTracingClientsTest {

  private final RefusedResults refused = new RefusedResults();
  private final MockProducer<byte[], byte[]> kafka =
      new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
  private final List<Exception> outcomes = new ArrayList<>();
  private final List<ResultInputs.Input> inputs = new ArrayList<>();

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

  private ResultTracingClients clients() {
    return new ResultTracingClients(refused, null);
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
