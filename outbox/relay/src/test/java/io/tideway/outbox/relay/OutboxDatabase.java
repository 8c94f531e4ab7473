package io.tideway.outbox.relay;

import io.tideway.outbox.OutboxMigration;
import io.tideway.testkit.TestDatabase;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.postgresql.ds.PGSimpleDataSource;

/** A test database with the outbox migrated, and rows written to it directly, good or bad. */
final class OutboxDatabase {

  private final TestDatabase database;

  OutboxDatabase(TestDatabase database) {
    this.database = database;
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(database.jdbcUrl());
    dataSource.setUser(database.user());
    dataSource.setPassword(database.password());
    OutboxMigration.migrate(dataSource);
  }

  OutboxSource source(String name) {
    return new OutboxSource(
        name,
        database.host(),
        database.port(),
        database.name(),
        database.user(),
        database.password());
  }

  Connection connect() throws SQLException {
    return database.connect();
  }

  /** A payload in the wire format: magic byte, schema id, then the given body. */
  static byte[] payload(int schemaId, byte... body) {
    return ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(schemaId).put(body).array();
  }

  /** Inserts rows, each in a transaction of its own, and returns their ids. */
  List<UUID> insert(String aggregateType, int count) throws SQLException {
    List<UUID> ids = new ArrayList<>();
    try (Connection c = connect()) {
      for (int i = 0; i < count; i++) {
        ids.add(
            insert(
                c, UUID.randomUUID(), aggregateType, "agg-" + (i % 7), payload(1, (byte) i), null));
      }
    }
    return ids;
  }

  static UUID insert(
      Connection c, UUID id, String aggregateType, String aggregateId, byte[] payload, String trace)
      throws SQLException {
    try (PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, tracingspancontext)"
                + " VALUES (?, ?, ?, ?, ?, ?)")) {
      insert.setObject(1, id);
      insert.setString(2, aggregateType);
      insert.setString(3, aggregateId);
      insert.setString(4, "io.tideway.test.Event");
      insert.setBytes(5, payload);
      insert.setString(6, trace);
      insert.executeUpdate();
    }
    return id;
  }
}
