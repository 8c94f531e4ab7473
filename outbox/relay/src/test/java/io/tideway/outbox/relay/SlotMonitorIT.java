package io.tideway.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TidewayTest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The slot gauges against a real server: a slot it invalidated reads as unknown, not as a lag. */
@TidewayTest
class SlotMonitorIT {

  @Test
  void aSlotTheServerInvalidatedForKeepingTooMuchWalReadsAsUnknown(TestDatabase testDatabase)
      throws Exception {
    OutboxDatabase database = new OutboxDatabase(testDatabase);
    OutboxSource source = database.source("invalidated");
    RelayMetrics metrics = new RelayMetrics(new SimpleMeterRegistry(), source.name());
    try (Connection owner = database.connect();
        Statement sql = owner.createStatement();
        Connection superuser =
            DriverManager.getConnection(
                testDatabase.jdbcUrl(),
                testDatabase.superuser(),
                testDatabase.superuserPassword());
        Statement server = superuser.createStatement();
        SlotMonitor monitor = new SlotMonitor(source, metrics)) {
      sql.execute(
          "SELECT pg_create_logical_replication_slot('" + source.slotName() + "', 'pgoutput')");
      monitor.read();
      assertThat(metrics.slotLag.get()).isNotNegative();
      assertThat(metrics.slotRetained.get()).isNotNegative();

      server.execute("ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'");
      server.execute("SELECT pg_reload_conf()");
      try {
        // Segments past what the slot may keep, then a checkpoint, which removes them.
        for (int i = 0; i < 4; i++) {
          sql.execute("SELECT pg_logical_emit_message(false, 'tideway-test', repeat('x', 1024))");
          server.execute("SELECT pg_switch_wal()");
        }
        server.execute("CHECKPOINT");
        assertThat(walStatus(sql, source)).isEqualTo("lost");
        assertThat(confirmedFlushLsn(sql, source)).as("kept by the server").isNotNull();

        monitor.read();
        assertThat(metrics.slotLag.get()).isEqualTo(-1);
        assertThat(metrics.slotRetained.get()).isEqualTo(-1);
      } finally {
        server.execute("ALTER SYSTEM RESET max_slot_wal_keep_size");
        server.execute("SELECT pg_reload_conf()");
        sql.execute("SELECT pg_drop_replication_slot('" + source.slotName() + "')");
      }
    }
  }

  private static String walStatus(Statement sql, OutboxSource source) throws SQLException {
    return slotColumn(sql, source, "wal_status");
  }

  private static String confirmedFlushLsn(Statement sql, OutboxSource source) throws SQLException {
    return slotColumn(sql, source, "confirmed_flush_lsn");
  }

  private static String slotColumn(Statement sql, OutboxSource source, String column)
      throws SQLException {
    try (ResultSet slot =
        sql.executeQuery(
            "SELECT "
                + column
                + " FROM pg_replication_slots WHERE slot_name = '"
                + source.slotName()
                + "'")) {
      assertThat(slot.next()).isTrue();
      return slot.getString(1);
    }
  }
}
