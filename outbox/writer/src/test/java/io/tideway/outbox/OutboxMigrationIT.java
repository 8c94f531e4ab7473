package io.tideway.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TidewayTest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.assertj.core.groups.Tuple;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

@TidewayTest
class OutboxMigrationIT {

  private TestDatabase db;
  private DataSource dataSource;

  @BeforeEach
  void setUp(TestDatabase db) {
    this.db = db;
    this.dataSource = Fixtures.dataSource(db);
  }

  @Test
  void shouldCreateTheOutboxTableOfTheContract() throws SQLException {
    // when
    int applied = OutboxMigration.migrate(dataSource);

    // then
    assertThat(applied).isEqualTo(1);
    assertThat(
            rows(
                "SELECT column_name, data_type, character_maximum_length, is_nullable,"
                    + " column_default FROM information_schema.columns"
                    + " WHERE table_schema = 'public' AND table_name = 'outbox'"
                    + " ORDER BY ordinal_position",
                5))
        .containsExactly(
            tuple("id", "uuid", null, "NO", null),
            tuple("aggregatetype", "character varying", "255", "NO", null),
            tuple("aggregateid", "character varying", "255", "NO", null),
            tuple("type", "character varying", "255", "NO", null),
            tuple("payload", "bytea", null, "YES", null),
            tuple("created_at", "timestamp with time zone", null, "NO", "now()"),
            tuple("tracingspancontext", "character varying", "256", "YES", null));
    assertThat(
            rows(
                "SELECT a.attname FROM pg_index i"
                    + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
                    + " WHERE i.indrelid = 'public.outbox'::regclass AND i.indisprimary",
                1))
        .containsExactly(tuple("id"));
  }

  @Test
  void shouldCreateTheOutboxInPublicWhenTheServiceLivesInASchemaOfItsOwn() throws SQLException {
    // given: connections whose current schema is the service's own
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA orders");
      s.execute("CREATE TABLE orders.customer (id uuid PRIMARY KEY)");
    }
    PGSimpleDataSource ordersFirst = (PGSimpleDataSource) Fixtures.dataSource(db);
    ordersFirst.setCurrentSchema("orders");

    // when
    int applied = OutboxMigration.migrate(ordersFirst);

    // then: where the relay captures it, and the publication carries it
    assertThat(applied).isEqualTo(1);
    assertThat(
            rows(
                "SELECT table_schema, table_name FROM information_schema.tables"
                    + " WHERE table_name IN ('outbox', '"
                    + OutboxMigration.HISTORY_TABLE
                    + "') ORDER BY table_name",
                2))
        .containsExactly(tuple("public", "outbox"), tuple("public", OutboxMigration.HISTORY_TABLE));
    assertThat(publishedTables()).containsExactly(tuple("public", "outbox"));
    assertThat(OutboxMigration.migrate(ordersFirst)).isZero();
  }

  @Test
  void shouldCreateAPublicationOfInsertsAndUpdatesOfTheOutboxOnly() throws SQLException {
    // given
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE customer (id uuid PRIMARY KEY)");
    }

    // when
    OutboxMigration.migrate(dataSource);

    // then
    assertThat(OutboxMigration.PUBLICATION).isEqualTo("tideway_outbox");
    assertThat(
            rows(
                "SELECT puballtables, pubinsert, pubupdate, pubdelete, pubtruncate"
                    + " FROM pg_publication WHERE pubname = 'tideway_outbox'",
                5))
        .containsExactly(tuple("f", "t", "t", "f", "f"));
    assertThat(publishedTables()).containsExactly(tuple("public", "outbox"));
  }

  @Test
  void shouldPublishInsertsAndUpdatesButNotDeletes() throws SQLException {
    // given
    OutboxMigration.migrate(dataSource);
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      Wal.createSlot(c, "publication_check", "pgoutput");

      // when
      s.execute(
          "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)"
              + " VALUES ('"
              + UUID.randomUUID()
              + "', 'customer', '42', 'Probe', '\\x00')");
      s.execute("UPDATE outbox SET aggregateid = '43'");
      s.execute("DELETE FROM outbox");

      // then
      String types = Wal.messageTypes(c, "publication_check", OutboxMigration.PUBLICATION);
      assertThat(types.replaceAll("[^IUD]", "")).isEqualTo("IU");
    }
  }

  @Test
  void shouldChangeNothingWhenRunAgain() throws SQLException {
    // given
    OutboxMigration.migrate(dataSource);

    // when
    int applied = OutboxMigration.migrate(dataSource);

    // then
    assertThat(applied).isZero();
    assertThat(
            rows(
                "SELECT version, success FROM "
                    + OutboxMigration.HISTORY_TABLE
                    + " ORDER BY installed_rank",
                2))
        .containsExactly(tuple("1", "t"));
    assertThat(rows("SELECT count(*) FROM pg_publication", 1)).containsExactly(tuple("1"));
  }

  @Test
  void shouldMigrateASchemaThatHoldsTablesAlready() throws SQLException {
    // given
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE customer (id uuid PRIMARY KEY, name text NOT NULL)");
      s.execute("INSERT INTO customer VALUES ('" + UUID.randomUUID() + "', 'Ada')");
    }

    // when
    int first = OutboxMigration.migrate(dataSource);
    int second = OutboxMigration.migrate(dataSource);

    // then: a baseline below V1, then V1 itself
    assertThat(first).isEqualTo(1);
    assertThat(second).isZero();
    assertThat(
            rows(
                "SELECT version, type, success FROM "
                    + OutboxMigration.HISTORY_TABLE
                    + " ORDER BY installed_rank",
                3))
        .containsExactly(tuple("0", "BASELINE", "t"), tuple("1", "SQL", "t"));
    assertThat(rows("SELECT count(*) FROM outbox", 1)).containsExactly(tuple("0"));
    assertThat(rows("SELECT name FROM customer", 1)).containsExactly(tuple("Ada"));
  }

  @Test
  void shouldKeepItsHistoryApartFromTheServicesOwnFlyway() throws SQLException {
    // given
    Flyway service =
        Flyway.configure()
            .dataSource(dataSource)
            .locations("classpath:io/tideway/outbox/servicedb")
            .load();
    service.migrate();

    // when
    OutboxMigration.migrate(dataSource);
    int serviceAgain = service.migrate().migrationsExecuted;
    int outboxAgain = OutboxMigration.migrate(dataSource);

    // then
    assertThat(serviceAgain).isZero();
    assertThat(outboxAgain).isZero();
    assertThat(rows("SELECT version FROM flyway_schema_history ORDER BY installed_rank", 1))
        .containsExactly(tuple("1"), tuple("2"));
    assertThat(
            rows(
                "SELECT version FROM " + OutboxMigration.HISTORY_TABLE + " ORDER BY installed_rank",
                1))
        .containsExactly(tuple("0"), tuple("1"));
    assertThat(
            rows(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                    + " ORDER BY table_name",
                1))
        .containsExactly(
            tuple("customer"),
            tuple("flyway_schema_history"),
            tuple("outbox"),
            tuple(OutboxMigration.HISTORY_TABLE));
  }

  /** The schema and name of each table the relay's publication carries. */
  private List<Tuple> publishedTables() throws SQLException {
    return rows(
        "SELECT schemaname, tablename FROM pg_publication_tables"
            + " WHERE pubname = '"
            + OutboxMigration.PUBLICATION
            + "'",
        2);
  }

  private List<Tuple> rows(String sql, int columns) throws SQLException {
    List<Tuple> rows = new ArrayList<>();
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        Object[] values = new Object[columns];
        for (int i = 0; i < columns; i++) {
          values[i] = rs.getString(i + 1);
        }
        rows.add(new Tuple(values));
      }
    }
    return rows;
  }
}
