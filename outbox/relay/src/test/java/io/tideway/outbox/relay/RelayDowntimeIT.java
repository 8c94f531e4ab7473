package io.tideway.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tideway.outbox.relay.OutboxDatabase.Written;
import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay stopped for a while as services keep committing: the replication slot keeps the WAL the
 * relay has not confirmed, and lets it go once the relay caught up.
 */
@TidewayTest
class RelayDowntimeIT {

  private static final Logger log = LoggerFactory.getLogger(RelayDowntimeIT.class);

  private static final int ROWS_PER_SECOND = 200;
  private static final int PAYLOAD_BYTES = 512;

  /**
   * Stands in for minutes: a slot keeps every byte of WAL written after its confirmed position for
   * as long as the relay is away, so what it retains grows with what is written, not with time.
   * Longer than the 15 s between the snapshots of running transactions the server logs while WAL is
   * written: the slot's restart position can only move to one of those, so one must fall in the
   * window for the retained WAL to shrink after the catch-up.
   */
  private static final Duration DOWNTIME = Duration.ofSeconds(20);

  private static final Duration STREAMING = Duration.ofSeconds(60);
  private static final Duration CATCH_UP = Duration.ofSeconds(120);

  /** How far the slot trails the server's WAL, and its confirmed position. */
  private record Slot(long retainedBytes, String confirmedFlushLsn) {}

  @Test
  void slotRetainsTheWalWhileTheRelayIsStoppedAndReleasesItAfterCatchingUp(
      TestKafka kafka, TestDatabase testDatabase) throws Exception {
    OutboxDatabase database = new OutboxDatabase(testDatabase);
    OutboxSource source = database.source("downtime");
    String aggregateType = "downtime_" + UUID.randomUUID().toString().substring(0, 8);
    RelaySettings settings =
        RelaySettings.of(kafka.bootstrapServers(), List.of(source))
            .withTopics(kafka.topicName("relay.offsets"), kafka.topicName("outbox.dlq"))
            .withTopicLayout(2, (short) 1);
    List<UUID> committed = new ArrayList<>();
    try (TopicReader reader = new TopicReader(kafka.bootstrapServers(), aggregateType + ".events");
        Connection c = database.connect()) {
      try (OutboxRelay relay = OutboxRelay.start(settings, new SimpleMeterRegistry())) {
        await("streaming").atMost(STREAMING).until(() -> relay.health().streaming());
        committed.addAll(database.insert(aggregateType, 20));
        reader.readUntilAll(committed, CATCH_UP);
      }
      Slot stopped = slot(c, source);

      Written written;
      try (OutboxDatabase.Writer writer =
          database.startWriting(aggregateType, ROWS_PER_SECOND, PAYLOAD_BYTES)) {
        await()
            .atMost(DOWNTIME.plus(CATCH_UP))
            .until(() -> writer.committedCount() >= ROWS_PER_SECOND * DOWNTIME.toSeconds());
        written = writer.stop();
      }
      committed.addAll(written.committed());
      // The end of writing: one more row, the WAL position noted before its commit. The relay
      // confirms that commit, past the position, whatever WAL other sessions write meanwhile.
      String writtenTo;
      try (Connection last = database.connect()) {
        last.setAutoCommit(false);
        UUID id =
            OutboxDatabase.insert(
                last, UUID.randomUUID(), aggregateType, "last", OutboxDatabase.payload(1), null);
        writtenTo = insertLsn(last);
        last.commit();
        committed.add(id);
      }
      Slot behind = slot(c, source);
      log.info("Slot when the relay stopped {}, after writing {}: {}", stopped, writtenTo, behind);
      assertThat(behind.confirmedFlushLsn()).isEqualTo(stopped.confirmedFlushLsn());
      assertThat(behind.retainedBytes() - stopped.retainedBytes())
          .as("WAL retained for the rows written while the relay was stopped")
          .isGreaterThan((long) written.committed().size() * PAYLOAD_BYTES);

      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      try (OutboxRelay relay = OutboxRelay.start(settings, meters)) {
        Gauge slotLag = meters.get("tideway.relay.slot.lag").gauge();
        // The relay reads its slot as it starts, a second or more before its first offset commit
        // can confirm anything.
        await("first reading of the slot")
            .atMost(STREAMING)
            .pollInterval(Duration.ofMillis(10))
            .until(() -> slotLag.value() >= 0);
        double lagAtStart = slotLag.value();
        await("streaming").atMost(STREAMING).until(() -> relay.health().streaming());
        reader.readUntilAll(committed, CATCH_UP);
        await("slot confirmed past " + writtenTo)
            .atMost(CATCH_UP)
            .until(() -> lsnDiff(c, slot(c, source).confirmedFlushLsn(), writtenTo) > 0);
        await("retained WAL released")
            .atMost(CATCH_UP)
            .until(() -> slot(c, source).retainedBytes() < behind.retainedBytes());
        long writtenWhileStopped = behind.retainedBytes() - stopped.retainedBytes();
        await("slot lag gauge down")
            .atMost(CATCH_UP)
            .until(() -> slotLag.value() >= 0 && slotLag.value() < writtenWhileStopped / 10.0);
        log.info(
            "Slot after catching up: {}; slot lag gauge {} bytes at the start, {} now",
            slot(c, source),
            lagAtStart,
            slotLag.value());
        assertThat(lagAtStart).isGreaterThanOrEqualTo(writtenWhileStopped);
      }
    }
  }

  @Test
  void aQuietOutboxLetsGoOfTheWalThatOtherTablesWrite(TestKafka kafka, TestDatabase testDatabase)
      throws Exception {
    OutboxDatabase database = new OutboxDatabase(testDatabase);
    OutboxSource source = database.source("quiet");
    RelaySettings settings =
        RelaySettings.of(kafka.bootstrapServers(), List.of(source))
            .withTopics(kafka.topicName("relay.offsets"), kafka.topicName("outbox.dlq"))
            .withTopicLayout(2, (short) 1);
    try (Connection c = database.connect();
        OutboxRelay relay = OutboxRelay.start(settings, new SimpleMeterRegistry())) {
      await("streaming").atMost(STREAMING).until(() -> relay.health().streaming());
      // A table outside the publication, as another database on the server would be: its changes
      // never reach the slot, and without the heartbeats' messages its position would stay put.
      String writtenTo;
      try (PreparedStatement busy =
          c.prepareStatement(
              "CREATE TABLE busy (id serial PRIMARY KEY, filler text);"
                  + " INSERT INTO busy (filler) SELECT repeat('x', 512) FROM generate_series(1,"
                  + " 2000)")) {
        busy.execute();
        writtenTo = insertLsn(c);
      }
      Slot before = slot(c, source);
      assertThat(lsnDiff(c, before.confirmedFlushLsn(), writtenTo)).isNegative();
      await("slot confirmed past " + writtenTo + " with nothing in the outbox")
          .atMost(STREAMING)
          .until(() -> lsnDiff(c, slot(c, source).confirmedFlushLsn(), writtenTo) > 0);
    }
  }

  private static Slot slot(Connection c, OutboxSource source) throws SQLException {
    try (PreparedStatement query =
        c.prepareStatement(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), confirmed_flush_lsn"
                + " FROM pg_replication_slots WHERE slot_name = ?")) {
      query.setString(1, source.slotName());
      try (ResultSet slot = query.executeQuery()) {
        assertThat(slot.next()).as("slot %s exists", source.slotName()).isTrue();
        return new Slot(slot.getLong(1), slot.getString(2));
      }
    }
  }

  private static String insertLsn(Connection c) throws SQLException {
    try (PreparedStatement query = c.prepareStatement("SELECT pg_current_wal_insert_lsn()");
        ResultSet lsn = query.executeQuery()) {
      lsn.next();
      return lsn.getString(1);
    }
  }

  private static long lsnDiff(Connection c, String lsn, String from) throws SQLException {
    try (PreparedStatement query =
        c.prepareStatement("SELECT pg_wal_lsn_diff(?::pg_lsn, ?::pg_lsn)")) {
      query.setString(1, lsn);
      query.setString(2, from);
      try (ResultSet diff = query.executeQuery()) {
        diff.next();
        return diff.getLong(1);
      }
    }
  }
}
