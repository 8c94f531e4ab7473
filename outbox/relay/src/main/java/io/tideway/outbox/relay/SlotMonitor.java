package io.tideway.outbox.relay;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads how far one source's replication slot trails the server's WAL, for the {@code
 * tideway.relay.slot.*} gauges. A slot that falls behind keeps WAL on the server's disk, so this is
 * the number to alert on when the relay is down or slow. A failed read, a missing slot and a slot
 * the server invalidated set the gauges to -1 (unknown); a failed read reconnects next time.
 */
final class SlotMonitor implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SlotMonitor.class);

  static final Duration PERIOD = Duration.ofSeconds(5);

  private static final String QUERY =
      "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn),"
          + " pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)"
          + " FROM pg_replication_slots WHERE slot_name = ?";

  private final OutboxSource source;
  private final RelayMetrics metrics;
  private Connection connection;

  SlotMonitor(OutboxSource source, RelayMetrics metrics) {
    this.source = source;
    this.metrics = metrics;
  }

  /** Reads the slot once; called on the relay's schedule. */
  synchronized void read() {
    try {
      if (connection == null || connection.isClosed()) {
        Properties props = new Properties();
        props.setProperty("user", source.user());
        props.setProperty("password", source.password());
        // A database that stops answering must not hold the relay's one scheduler thread, or its
        // close, on a socket read: the gauges then say -1 instead of their last value.
        props.setProperty("connectTimeout", Long.toString(PERIOD.toSeconds()));
        props.setProperty("socketTimeout", Long.toString(PERIOD.toSeconds()));
        connection = DriverManager.getConnection(source.jdbcUrl(), props);
      }
      try (PreparedStatement query = connection.prepareStatement(QUERY)) {
        query.setQueryTimeout((int) PERIOD.toSeconds());
        query.setString(1, source.slotName());
        try (ResultSet slot = query.executeQuery()) {
          if (slot.next()) {
            metrics.slotLag.set(bytesOrUnknown(slot, 1));
            metrics.slotRetained.set(bytesOrUnknown(slot, 2));
          } else {
            metrics.slotLag.set(-1);
            metrics.slotRetained.set(-1);
          }
        }
      }
    } catch (SQLException e) {
      log.debug("Cannot read replication slot {} of {}", source.slotName(), source, e);
      metrics.slotLag.set(-1);
      metrics.slotRetained.set(-1);
      close();
    }
  }

  /**
   * A column of the query, -1 where it is null: a slot the server invalidated for keeping too much
   * WAL ({@code max_slot_wal_keep_size}) has no restart position, and read as a number its null
   * would be 0, "keeps nothing", just when the relay has lost changes.
   */
  private static long bytesOrUnknown(ResultSet slot, int column) throws SQLException {
    long bytes = slot.getLong(column);
    return slot.wasNull() ? -1 : bytes;
  }

  @Override
  public synchronized void close() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        log.debug("Closing the slot monitor's connection to {} failed", source, e);
      }
      connection = null;
    }
  }
}
