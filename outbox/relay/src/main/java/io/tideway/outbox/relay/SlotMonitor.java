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

  /**
   * The slot's lag and retained WAL, and whether it is still usable: a slot the server invalidated
   * (its WAL removed past {@code max_slot_wal_keep_size}, {@code wal_status} {@code lost}) has no
   * restart position, but keeps its confirmed position, which would read as a lag just when the
   * relay has lost changes.
   */
  private static final String QUERY =
      "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn),"
          + " pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn),"
          + " restart_lsn IS NOT NULL AND wal_status IS DISTINCT FROM 'lost'"
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
          if (slot.next() && slot.getBoolean(3)) {
            metrics.slotLag.set(slot.getLong(1));
            metrics.slotRetained.set(slot.getLong(2));
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
