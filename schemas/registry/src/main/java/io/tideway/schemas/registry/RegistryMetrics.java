package io.tideway.schemas.registry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** The few counters the registry keeps, exposed in Prometheus' text format. */
final class RegistryMetrics {

  /** The content type of {@link #scrape()}. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter newRegistrations = registrations("new");
  private final Counter existingRegistrations = registrations("existing");
  private final Counter lookupsById =
      Counter.builder("schema.registry.lookups.by.id")
          .description("Requests for a schema by its id")
          .register(registry);
  private final Counter skippedRecords =
      Counter.builder("schema.registry.store.records.skipped")
          .description("Store records that could not be read or contradicted the content")
          .register(registry);
  private final Counter writeRetries =
      Counter.builder("schema.registry.store.write.retries")
          .description("Store writes attempted again after being fenced or failing")
          .register(registry);

  private final Counter catchUps =
      Counter.builder("schema.registry.store.catch.ups")
          .description("Reads of the store's end offset for queries that found nothing")
          .register(registry);

  private Counter refusals(String reason) {
    return Counter.builder("schema.registry.requests.refused")
        .description(
            "Requests refused: without a known user's credentials, or beyond a reader's role")
        .tag("reason", reason)
        .register(registry);
  }

  private Counter registrations(String outcome) {
    return Counter.builder("schema.registry.registrations")
        .description("Schema registrations answered, by whether they created a version")
        .tag("outcome", outcome)
        .register(registry);
  }

  void registered(boolean created) {
    (created ? newRegistrations : existingRegistrations).increment();
  }

  /**
   * Counts a refused request.
   *
   * @param reason {@code unauthenticated} or {@code forbidden}
   */
  void refused(String reason) {
    refusals(reason).increment();
  }

  void lookedUpById() {
    lookupsById.increment();
  }

  void skippedRecord() {
    skippedRecords.increment();
  }

  void retriedWrite() {
    writeRetries.increment();
  }

  void caughtUp() {
    catchUps.increment();
  }

  double skippedRecords() {
    return skippedRecords.count();
  }

  String scrape() {
    return registry.scrape();
  }

  void close() {
    registry.close();
  }
}
