package io.tideway.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tideway.deploy.embedded.EmbeddedKafka;
import io.tideway.deploy.embedded.LoopbackPorts;
import io.tideway.outbox.relay.OutboxDatabase.Written;
import io.tideway.outbox.relay.RelayHealth.SourceState;
import io.tideway.outbox.relay.RelayProcess.Heap;
import io.tideway.outbox.relay.TopicReader.Delivered;
import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TidewayTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker stopped for 30 s while services keep committing. The test stops a broker of its own,
 * not the test kit's, which other tests share, and runs the relay in a JVM with a small heap.
 */
@TidewayTest
class BrokerOutageIT {

  private static final Logger log = LoggerFactory.getLogger(BrokerOutageIT.class);

  private static final int ROWS_PER_SECOND = 200;

  /**
   * Large events: the outage's ~100 MB of them would take a relay that held on to all it cannot
   * send past half its 256 MiB heap.
   */
  private static final int PAYLOAD_BYTES = 16 * 1024;

  private static final Duration OUTAGE = Duration.ofSeconds(30);
  private static final Duration STALL_AFTER = Duration.ofSeconds(5);
  private static final Duration BROKER_START = Duration.ofSeconds(90);
  private static final Duration STARTUP = Duration.ofSeconds(120);
  private static final Duration CATCH_UP = Duration.ofSeconds(180);

  @TempDir Path dir;

  @Test
  void waitsForTheBrokerThenRelaysEverythingCommittedMeanwhileInBoundedMemory(
      TestDatabase testDatabase) throws Exception {
    OutboxDatabase database = new OutboxDatabase(testDatabase);
    String aggregateType = "outage_" + UUID.randomUUID().toString().substring(0, 8);
    List<Heap> duringOutage = new CopyOnWriteArrayList<>();
    List<SourceState> statesInOutage = new CopyOnWriteArrayList<>();
    SourceState stateAfter;
    Written written;
    Delivered delivered;
    Heap before;
    Heap after;
    int committedWhileDown;
    EmbeddedKafka broker =
        new EmbeddedKafka(
            dir.resolve("kafka"), LoopbackPorts.pickFree(), LoopbackPorts.pickFree(), Map.of());
    try {
      broker.start(BROKER_START);
      RelaySettings settings =
          RelaySettings.of(broker.bootstrapServers(), List.of(database.source("outage")))
              .withTopicLayout(2, (short) 1)
              .withStallAfter(STALL_AFTER);
      try (TopicReader reader =
              new TopicReader(broker.bootstrapServers(), aggregateType + ".events");
          RelayProcess relay = RelayProcess.start("relay", settings, "-Xmx256m")) {
        relay.awaitStreaming(STARTUP);
        try (OutboxDatabase.Writer writer =
            database.startWriting(aggregateType, ROWS_PER_SECOND, PAYLOAD_BYTES)) {
          await().atMost(CATCH_UP).until(() -> reader.size() >= ROWS_PER_SECOND);
          before = relay.heap();
          assertThat(relay.state()).isEqualTo(SourceState.STREAMING);

          broker.close();
          int committedAtStop = writer.committedCount();
          // The outage lasts OUTAGE; the relay's heap and state are sampled meanwhile, failing at
          // once when the heap passes half the maximum.
          await()
              .during(OUTAGE)
              .atMost(OUTAGE.plus(STARTUP))
              .pollInterval(Duration.ofSeconds(5))
              .failFast("the relay's heap passed half its maximum", () -> !bounded(duringOutage))
              .until(() -> duringOutage.add(relay.heap()) && statesInOutage.add(relay.state()));
          committedWhileDown = writer.committedCount() - committedAtStop;
          broker.start(BROKER_START);

          int restartedAt = writer.committedCount();
          await()
              .atMost(CATCH_UP)
              .until(() -> writer.committedCount() >= restartedAt + ROWS_PER_SECOND);
          written = writer.stop();
          delivered = reader.readUntilAll(written.committed(), CATCH_UP);
          after = relay.heap();
          stateAfter = relay.state();
        }
      }
    } finally {
      broker.close();
    }

    log.info(
        "Committed {} rows, {} of them while the broker was down; Kafka holds {} records, {}"
            + " duplicates. Heap after a full GC, MiB: before {}, during the outage {}, after {};"
            + " max {}",
        written.committed().size(),
        committedWhileDown,
        delivered.records(),
        delivered.duplicates(),
        mib(before.used()),
        duringOutage.stream().map(heap -> mib(heap.used())).toList(),
        mib(after.used()),
        mib(before.max()));
    assertThat(committedWhileDown)
        .as("rows committed while the broker was down")
        .isGreaterThan(ROWS_PER_SECOND * (int) OUTAGE.toSeconds() / 2);
    assertThat(delivered.ids())
        .as("exactly the committed rows, rolled back ones not among them")
        .hasSameSizeAs(written.committed())
        .doesNotContainAnyElementsOf(written.rolledBack().stream().map(UUID::toString).toList());
    assertThat(bounded(duringOutage)).as("heap under half its maximum during the outage").isTrue();
    assertThat(statesInOutage)
        .as("the relay's state during the outage, sampled every 5 s")
        .contains(SourceState.STALLED);
    assertThat(stateAfter).isEqualTo(SourceState.STREAMING);
    assertThat(after.used()).isLessThan(after.max() / 2);
  }

  private static boolean bounded(List<Heap> samples) {
    return samples.stream().allMatch(heap -> heap.used() < heap.max() / 2);
  }

  private static long mib(long bytes) {
    return bytes >> 20;
  }
}
