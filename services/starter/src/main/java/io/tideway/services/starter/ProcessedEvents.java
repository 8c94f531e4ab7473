package io.tideway.services.starter;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * The ids of the events and commands a service has applied, each recorded in the transaction of its
 * effect, so a redelivered record changes nothing. The table is {@code processed_events (event_id
 * uuid primary key, processed_at timestamptz not null default now())}, created by each consuming
 * service's own migration. Ids older than the deduplication window (7 days, as the platform's
 * {@code Deduplicate}) are forgotten hourly: redeliveries come within minutes, and a replay older
 * than that is a deliberate rebuild.
 */
public class ProcessedEvents {

  static final int RETENTION_DAYS = 7;

  private static final Logger log = LoggerFactory.getLogger(ProcessedEvents.class);

  private final JdbcClient jdbc;

  ProcessedEvents(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Records that the record with this id is applied, in the caller's transaction.
   *
   * @return false when it was applied before: the caller then changes nothing
   * @throws org.springframework.transaction.IllegalTransactionStateException outside a transaction
   */
  public boolean markProcessed(UUID eventId) {
    CallersTransaction.require("marking an event processed");
    return jdbc.sql("INSERT INTO processed_events (event_id) VALUES (?) ON CONFLICT DO NOTHING")
            .param(eventId)
            .update()
        == 1;
  }

  /**
   * Records that the records with these ids are applied, in the caller's transaction and one
   * statement.
   *
   * @return those of the ids not applied before, each once however often it is given: the caller
   *     changes nothing for the others
   * @throws org.springframework.transaction.IllegalTransactionStateException outside a transaction
   */
  public Set<UUID> markProcessed(Collection<UUID> eventIds) {
    CallersTransaction.require("marking events processed");
    if (eventIds.isEmpty()) {
      return new HashSet<>();
    }
    return new HashSet<>(
        jdbc.sql(
                """
                INSERT INTO processed_events (event_id) SELECT unnest(?::uuid[])
                ON CONFLICT DO NOTHING RETURNING event_id
                """)
            .param(eventIds.toArray(UUID[]::new))
            .query(UUID.class)
            .list());
  }

  @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT1M")
  void forgetOldIds() {
    int forgotten =
        jdbc.sql(
                "DELETE FROM processed_events WHERE processed_at < now() - make_interval(days => ?)")
            .param(RETENTION_DAYS)
            .update();
    if (forgotten > 0) {
      log.info("Forgot {} processed event ids older than {} days", forgotten, RETENTION_DAYS);
    }
  }
}
