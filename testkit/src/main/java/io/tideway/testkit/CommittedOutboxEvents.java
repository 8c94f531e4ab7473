package io.tideway.testkit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts (and shows) the outbox rows committed in a test database since this was opened, as logical
 * decoding sees them: the writer deletes each row in the transaction that inserts it, so the table
 * is always empty, but the committed inserts stay in the WAL, and only committed ones. Decoded with
 * {@code test_decoding} through a replication slot of its own, which {@link TestDatabase#close()}
 * drops.
 */
public final class CommittedOutboxEvents {

  private final TestDatabase db;
  private final String slot;
  private long seen;

  private CommittedOutboxEvents(TestDatabase db, String slot) {
    this.db = db;
    this.slot = slot;
  }

  /** Starts counting from now. */
  public static CommittedOutboxEvents since(TestDatabase db) throws SQLException {
    String slot = "count_" + Long.toHexString(System.nanoTime());
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      s.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
    }
    return new CommittedOutboxEvents(db, slot);
  }

  /** How many outbox rows were committed since {@link #since}. */
  public synchronized long count() throws SQLException {
    inserted();
    return seen;
  }

  /**
   * The outbox rows committed since the last call (or {@link #since}), as {@code test_decoding}
   * renders them ({@code table public.outbox: INSERT: id[uuid]:'…' …}); they count in {@link
   * #count} too.
   */
  public synchronized List<String> inserted() throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = db.connect();
        PreparedStatement s =
            c.prepareStatement(
                "SELECT data FROM pg_logical_slot_get_changes(?, NULL, NULL)"
                    + " WHERE data LIKE 'table public.outbox: INSERT:%'")) {
      s.setString(1, slot);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          rows.add(rs.getString(1));
        }
      }
    }
    seen += rows.size();
    return rows;
  }
}
