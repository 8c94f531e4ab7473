package io.tideway.topology;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;

class RefusedResultsTest {

  private final RefusedResults refused = new RefusedResults();

  @Test
  void anInputIsRefusedOnceWhenReadAgain() {
    RecordTooLargeException tooLarge = new RecordTooLargeException("2 MiB");

    assertThat(refused.remember("ledger", 2, 1, tooLarge)).isTrue();

    assertThat(refused.take("ledger", 2, 0)).isNull();
    assertThat(refused.take("ledger", 2, 1)).contains("2 MiB");
    assertThat(refused.take("ledger", 2, 1)).isNull();
  }

  @Test
  void recordsFailedWithTheSameExceptionOnlySharedTheFailedTransaction() {
    RecordTooLargeException tooLarge = new RecordTooLargeException("2 MiB");
    refused.remember("ledger", 2, 1, tooLarge);

    assertThat(refused.remember("ledger", 2, 2, tooLarge)).isFalse();
    assertThat(refused.take("ledger", 2, 2)).isNull();
    // A later refusal of its own is remembered.
    assertThat(refused.remember("ledger", 2, 2, new RecordTooLargeException("3 MiB"))).isTrue();
    assertThat(refused.take("ledger", 2, 2)).contains("3 MiB");
  }
}
