package io.tideway.services.order.application;

import io.tideway.services.order.persistence.KnownAggregates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Keeps the table of processed event ids from growing without end: ids older than the deduplication
 * window (7 days, as the platform's {@code Deduplicate}) are forgotten hourly.
 */
@Component
class ProcessedEventsCleanup {

  static final int RETENTION_DAYS = 7;

  private static final Logger log = LoggerFactory.getLogger(ProcessedEventsCleanup.class);

  private final KnownAggregates known;

  ProcessedEventsCleanup(KnownAggregates known) {
    this.known = known;
  }

  @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT1M")
  void forgetOldIds() {
    int forgotten = known.forgetProcessedBefore(RETENTION_DAYS);
    if (forgotten > 0) {
      log.info("Forgot {} processed event ids older than {} days", forgotten, RETENTION_DAYS);
    }
  }
}
