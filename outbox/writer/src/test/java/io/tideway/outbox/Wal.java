package io.tideway.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what a database's WAL carries through logical replication slots, as the relay would: with
 * {@code test_decoding} for readable rows, with {@code pgoutput} for what a publication lets
 * through.
 */
final class Wal {

  private static final Pattern ROW =
      Pattern.compile("^table ([^:]+): (INSERT|UPDATE|DELETE): (.*)$");
  private static final Pattern COLUMN =
      Pattern.compile("(\\w+)\\[([^\\]]+)\\]:('(?:[^']|'')*'|\\S+)");

  private Wal() {}

  /** One changed row, as {@code test_decoding} prints it. */
  record Change(String xid, String table, String operation, Map<String, String> columns) {

    String column(String name) {
      if (!columns.containsKey(name)) {
        throw new AssertionError("no column " + name + " in " + this);
      }
      return columns.get(name);
    }

    byte[] bytes(String name) {
      String hex = column(name);
      return HexFormat.of().parseHex(hex.substring(2)); // bytea output: \x followed by hex
    }
  }

  /** Creates a slot; changes committed from now on are kept for it. */
  static void createSlot(Connection connection, String slot, String plugin) throws SQLException {
    try (PreparedStatement s =
        connection.prepareStatement("SELECT pg_create_logical_replication_slot(?, ?)")) {
      s.setString(1, slot);
      s.setString(2, plugin);
      s.execute();
    }
  }

  /** Takes the row changes of committed transactions from a {@code test_decoding} slot. */
  static List<Change> changes(Connection connection, String slot) throws SQLException {
    List<Change> changes = new ArrayList<>();
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT xid, data FROM pg_logical_slot_get_changes(?, NULL, NULL,"
                + " 'include-xids', '0', 'skip-empty-xacts', '1')")) {
      s.setString(1, slot);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          Matcher row = ROW.matcher(rs.getString("data"));
          if (row.matches()) {
            Map<String, String> columns = new LinkedHashMap<>();
            Matcher column = COLUMN.matcher(row.group(3));
            while (column.find()) {
              columns.put(column.group(1), value(column.group(3)));
            }
            changes.add(new Change(rs.getString("xid"), row.group(1), row.group(2), columns));
          }
        }
      }
    }
    return changes;
  }

  /** The changes to the outbox table. */
  static List<Change> outboxChanges(Connection connection, String slot) throws SQLException {
    return changes(connection, slot).stream()
        .filter(c -> c.table().equals("public.outbox"))
        .toList();
  }

  /**
   * The types of the messages a {@code pgoutput} slot sends for a publication, in order: {@code B}
   * begin, {@code R} relation, {@code I} insert, {@code U} update, {@code D} delete, {@code C}
   * commit.
   */
  static String messageTypes(Connection connection, String slot, String publication)
      throws SQLException {
    StringBuilder types = new StringBuilder();
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT data FROM pg_logical_slot_peek_binary_changes(?, NULL, NULL,"
                + " 'proto_version', '1', 'publication_names', ?)")) {
      s.setString(1, slot);
      s.setString(2, publication);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          types.append((char) rs.getBytes("data")[0]);
        }
      }
    }
    return types.toString();
  }

  private static String value(String printed) {
    if (printed.equals("null")) {
      return null;
    }
    if (printed.startsWith("'")) {
      return printed.substring(1, printed.length() - 1).replace("''", "'");
    }
    return printed;
  }
}
