package io.tideway.outbox;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Creates the {@code outbox} table of the contract and the publication {@value #PUBLICATION} that
 * the relay streams it through, with Flyway.
 *
 * <p>The table is always {@code public.outbox}, whatever the connection's search path: the relay
 * captures that table only (Debezium's {@code table.include.list}), so an outbox created in a
 * service's own schema would have its events written, deleted and never relayed. {@link Outbox}
 * writes to the same table by its full name.
 *
 * <p>The migration keeps its own history table, {@value #HISTORY_TABLE} in {@value #SCHEMA}, so it
 * lives beside a service's own Flyway migrations without touching their history, and it runs on a
 * schema that already holds the service's tables. Running it again changes nothing; several
 * instances of a service may run it at once (Flyway serialises them with a database lock).
 *
 * <p>Run it after the service's own migrations: a Flyway that finds tables in its schema but no
 * history table of its own refuses to start. The user needs to be allowed to create tables in
 * {@value #SCHEMA} (PostgreSQL 15 and later grant that to the database's owner only) and to create
 * a publication (the {@code CREATE} privilege on the database).
 */
public final class OutboxMigration {

  /**
   * The publication of the outbox table, inserts and updates only, that the relay reads the WAL
   * through.
   */
  public static final String PUBLICATION = "tideway_outbox";

  /** The schema of the outbox table, the one the relay captures. */
  public static final String SCHEMA = "public";

  /** Flyway's history table for the outbox migrations, apart from the service's own. */
  public static final String HISTORY_TABLE = "tideway_outbox_schema_history";

  private static final String LOCATION = "classpath:io/tideway/outbox/migration";

  private OutboxMigration() {}

  /**
   * Brings the database's outbox up to date.
   *
   * @param dataSource the service's database; the table goes to {@value #SCHEMA} whatever its
   *     connections' search path
   * @return how many migrations ran: 0 when the outbox was up to date
   * @throws org.flywaydb.core.api.FlywayException when a migration fails, for example because
   *     {@value #SCHEMA} has an {@code outbox} table that this migration did not create
   */
  public static int migrate(DataSource dataSource) {
    return Flyway.configure(OutboxMigration.class.getClassLoader())
        .dataSource(dataSource)
        .defaultSchema(SCHEMA)
        .table(HISTORY_TABLE)
        .locations(LOCATION)
        // The schema usually holds the service's tables already. The baseline must lie below V1,
        // or Flyway would mark V1 as applied without running it.
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .baselineDescription("before the outbox")
        .load()
        .migrate()
        .migrationsExecuted;
  }
}
