package io.tideway.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tideway.outbox.relay.OutboxDatabase.Written;
import io.tideway.outbox.relay.TopicReader.Delivered;
import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A relay killed with SIGKILL in the middle of a load, and started again. */
@TidewayTest
class RelayKilledIT {

  private static final Logger log = LoggerFactory.getLogger(RelayKilledIT.class);

  private static final int ROWS_PER_SECOND = 200;
  private static final Duration STARTUP = Duration.ofSeconds(120);
  private static final Duration CATCH_UP = Duration.ofSeconds(120);

  /**
   * What an offset commit may take on a loaded machine: the rows relayed meanwhile are not covered
   * by it either.
   */
  private static final Duration COMMIT_ALLOWANCE = Duration.ofSeconds(1);

  @Test
  void relaysEveryCommittedRowWhenKilledMidLoadSendingOnlyTheLastFlushIntervalTwice(
      TestKafka kafka, TestDatabase testDatabase) throws Exception {
    OutboxDatabase database = new OutboxDatabase(testDatabase);
    String aggregateType = "killed_" + UUID.randomUUID().toString().substring(0, 8);
    RelaySettings settings =
        RelaySettings.of(kafka.bootstrapServers(), List.of(database.source("killed")))
            .withTopics(kafka.topicName("relay.offsets"), kafka.topicName("outbox.dlq"))
            .withTopicLayout(2, (short) 1);
    Written written;
    Delivered delivered;
    try (TopicReader reader = new TopicReader(kafka.bootstrapServers(), aggregateType + ".events");
        RelayProcess first = RelayProcess.start("relay-1", settings, "-Xmx256m")) {
      first.awaitStreaming(STARTUP);
      try (OutboxDatabase.Writer writer =
          database.startWriting(aggregateType, ROWS_PER_SECOND, 100)) {
        // Under load for a few offset commits, and caught up: what it may send twice is then
        // bounded by the flush interval, not by a backlog.
        await().atMost(CATCH_UP).until(() -> writer.committedCount() >= 3 * ROWS_PER_SECOND);
        int committed = writer.committedCount();
        await().atMost(CATCH_UP).until(() -> reader.size() >= committed);

        assertThat(first.kill()).as("exit code of a SIGKILLed JVM").isEqualTo(137);

        try (RelayProcess second = RelayProcess.start("relay-2", settings, "-Xmx256m")) {
          second.awaitStreaming(STARTUP);
          int restartedAt = writer.committedCount();
          await()
              .atMost(CATCH_UP)
              .until(() -> writer.committedCount() >= restartedAt + ROWS_PER_SECOND);
          written = writer.stop();
          delivered = reader.readUntilAll(written.committed(), CATCH_UP);
        }
      }
    }

    // After SIGKILL the next relay resumes from the last committed offsets and sends again what
    // Kafka acknowledged since: the rows of at most one flush interval, plus those relayed while
    // that commit was under way.
    int bound =
        (int)
            (ROWS_PER_SECOND
                * settings.offsetFlushInterval().plus(COMMIT_ALLOWANCE).toMillis()
                / Duration.ofSeconds(1).toMillis());
    log.info(
        "Committed {} rows, rolled back {}; Kafka holds {} records: {} duplicates (bound {})",
        written.committed().size(),
        written.rolledBack().size(),
        delivered.records(),
        delivered.duplicates(),
        bound);
    assertThat(delivered.ids())
        .as("exactly the committed rows, rolled back ones not among them")
        .hasSameSizeAs(written.committed())
        .doesNotContainAnyElementsOf(written.rolledBack().stream().map(UUID::toString).toList());
    assertThat(delivered.duplicates()).isLessThanOrEqualTo(bound);
  }
}
