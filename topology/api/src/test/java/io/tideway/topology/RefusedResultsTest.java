package io.tideway.topology;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class RefusedResultsTest {

  private final RefusedResults refused = new RefusedResults();

  @Test
  void anInputIsRefusedByEveryProcessorThatReadsItAgain() {
    RecordTooLargeException tooLarge = new RecordTooLargeException("2 MiB");

    assertThat(refused.remember("ledger", 2, 1, tooLarge)).isTrue();

    assertThat(refused.refusal("ledger", 2, 0)).isNull();
    assertThat(refused.refusal("ledger", 2, 1)).contains("2 MiB");
    assertThat(refused.refusal("ledger", 2, 1)).contains("2 MiB");
  }

  @Test
  void inputsRefusedWithTheSameExceptionObjectAreEachRemembered() {
    // The broker's refusal without a message of its own is one exception object for every record.
    RecordTooLargeException tooLarge = new RecordTooLargeException("2 MiB");
    refused.remember("ledger", 2, 1, tooLarge);

    assertThat(refused.remember("ledger", 2, 2, tooLarge)).isTrue();
    assertThat(refused.refusal("ledger", 2, 1)).contains("2 MiB");
    assertThat(refused.refusal("ledger", 2, 2)).contains("2 MiB");
  }

  @Test
  void aPunctuatorsResultHasNoInputToRefuse() {
    assertThat(refused.remember(null, -1, -1, new RecordTooLargeException("2 MiB"))).isFalse();
    assertThat(refused.refusal(null, -1, -1)).isNull();
  }

  @Test
  void aResultWithoutAnInputIsKnownWhenSentAgainByItsTopicKeyAndId() {
    RecordTooLargeException tooLarge = new RecordTooLargeException("64 KiB");
    assertThat(refused.refusedAgain(result("reminders", "a", "r-1", "x@1"))).isNull();

    refused.rememberResult(result("reminders", "a", "r-1", "x@1"), tooLarge);

    assertThat(refused.refusedAgain(result("reminders", "b", "r-1", "x@2"))).isNull();
    assertThat(refused.refusedAgain(result("reminders", "a", "r-2", "x@2"))).isNull();
    assertThat(refused.refusedAgain(result("alerts", "a", "r-1", "x@2"))).isNull();
    // Its value may differ: a punctuator may write the time into it.
    assertThat(refused.refusedAgain(result("reminders", "a", "r-1", "x@2")))
        .hasMessageContaining("64 KiB");
    // Again, as the transaction carrying its dead letter may have failed for another result.
    assertThat(refused.refusedAgain(result("reminders", "a", "r-1", "x@3")))
        .hasMessageContaining("64 KiB");
  }

  @Test
  void aResultWithoutAnIdIsKnownByItsTopicKeyAndValue() {
    refused.rememberResult(result("reminders", "a", null, "x"), new RecordTooLargeException());

    assertThat(refused.refusedAgain(result("reminders", "a", null, "y"))).isNull();
    assertThat(refused.refusedAgain(result("reminders", "a", "r-1", "x"))).isNull();
    assertThat(refused.refusedAgain(result("reminders", "a", null, "x"))).isNotNull();
  }

  @Test
  void resultsRefusedWithTheSameExceptionObjectAreEachRemembered() {
    RecordTooLargeException tooLarge = new RecordTooLargeException("64 KiB");
    refused.remember("ledger", 2, 1, tooLarge);
    refused.rememberResult(result("reminders", "a", "r-1", "x"), tooLarge);
    refused.rememberResult(result("reminders", "a", "r-2", "x"), tooLarge);

    assertThat(refused.refusedAgain(result("reminders", "a", "r-1", "x"))).isNotNull();
    assertThat(refused.refusedAgain(result("reminders", "a", "r-2", "x"))).isNotNull();
  }

  private static ProducerRecord<byte[], byte[]> result(
      String topic, String key, String id, String value) {
    ProducerRecord<byte[], byte[]> result =
        new ProducerRecord<>(topic, key.getBytes(UTF_8), value.getBytes(UTF_8));
    if (id != null) {
      result.headers().add(EventHeaders.ID, id.getBytes(UTF_8));
    }
    return result;
  }

  @Test
  void inputsRefusedAfterTheirProcessingAreTakenOnceByEachReaderOfTheirTask() {
    TaskId task = new TaskId(0, 1);
    TaskId other = new TaskId(0, 2);
    refused.failedAfterProcessing(task, "before any reader");
    RefusedResults.Reader first = refused.readerFor(task);
    RefusedResults.Reader second = refused.readerFor(task);
    RefusedResults.Reader ofOther = refused.readerFor(other);

    refused.failedAfterProcessing(task, "e1");
    refused.failedAfterProcessing(task, "e1");
    refused.failedAfterProcessing(task, null);
    refused.failedAfterProcessing(new TaskId(1, 1), "of a task without readers");

    assertThat(first.take()).containsExactly("e1");
    assertThat(first.take()).isEmpty();
    assertThat(second.take()).containsExactly("e1");
    assertThat(ofOther.take()).isEmpty();
    second.close();
    refused.failedAfterProcessing(task, "e2");
    assertThat(first.take()).containsExactly("e2");
    assertThat(second.take()).isEmpty();
  }

  @Test
  void whatAReaderLeftUntakenWhenItClosedGoesToTheNextReaderOfItsTask() {
    TaskId task = new TaskId(0, 1);
    RefusedResults.Reader closing = refused.readerFor(task);
    refused.failedAfterProcessing(task, "flushed as the task closed");
    closing.close();

    assertThat(refused.readerFor(new TaskId(0, 2)).take()).isEmpty();
    assertThat(refused.readerFor(task).take()).containsExactly("flushed as the task closed");
  }
}
