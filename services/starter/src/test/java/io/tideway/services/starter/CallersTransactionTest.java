package io.tideway.services.starter;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.transaction.IllegalTransactionStateException;

class CallersTransactionTest {

  /** Never connected to: each call is refused before it reaches the database. */
  private final DataSource unused = new SimpleDriverDataSource();

  @Test
  void marksNoEventProcessedOutsideATransaction() {
    ProcessedEvents processed = new ProcessedEvents(JdbcClient.create(unused));

    assertThatThrownBy(() -> processed.markProcessed(UUID.randomUUID()))
        .isInstanceOf(IllegalTransactionStateException.class)
        .hasMessageContaining("marking an event processed")
        .hasMessageContaining("@Transactional");
    assertThatThrownBy(() -> processed.markProcessed(List.of(UUID.randomUUID())))
        .isInstanceOf(IllegalTransactionStateException.class);
  }

  @Test
  void claimsNoIdempotencyKeyOutsideATransaction() {
    IdempotentRequests requests = new IdempotentRequests(unused);

    assertThatThrownBy(
            () -> requests.claim("key-1", IdempotentRequests.fingerprint("a"), UUID.randomUUID()))
        .isInstanceOf(IllegalTransactionStateException.class)
        .hasMessageContaining("claiming an idempotency key");
  }
}
