package io.tideway.outbox;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Creates the {@code outbox} table of the contract and the publication {@value #PUBLICATION} that
 * the relay streams it through, with Flyway.
 *
 * <p>The migration keeps its own history table, {@value #HISTORY_TABLE}, so it lives beside a
 * service's own Flyway migrations without touching their history, and it runs on a schema that
 * already holds the service's tables. Running it again changes nothing; several instances of a
 * service may run it at once (Flyway serialises them with a database lock).
 *
 * <p>Run it after the service's own migrations: a Flyway that finds tables in its schema but no
 * history table of its own refuses to start. The user needs to own the schema's new tables and to
 * be allowed to create a publication (the {@code CREATE} privilege on the database).
 */
public final class OutboxMigration {

  /**
   * The publication of the outbox table, inserts and updates only, that the relay reads the WAL
   * through.
   */
  public static final String PUBLICATION = "tideway_outbox";

  /** Flyway's history table for the outbox migrations, apart from the service's own. */
  public static final String HISTORY_TABLE = "tideway_outbox_schema_history";

  private static final String LOCATION = "classpath:io/tideway/outbox/migration";

  private OutboxMigration() {}

  /**
   * Brings the outbox of the data source's current schema up to date.
   *
   * @param dataSource the service's database; its connections' current schema gets the table
   * @return how many migrations ran: 0 when the outbox was up to date
   * @throws org.flywaydb.core.api.FlywayException when a migration fails, for example because the
   *     schema has an {@code outbox} table that this migration did not create
   */
  public static int migrate(DataSource dataSource) {
    return Flyway.configure(OutboxMigration.class.getClassLoader())
        .dataSource(dataSource)
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
