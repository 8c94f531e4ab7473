package io.tideway.outbox;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter.MeterProvider;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;

/** The writer's counters, or nothing when no registry is given. */
final class OutboxMetrics {

  static final String APPENDED = "tideway.outbox.appended";
  static final String REJECTED = "tideway.outbox.rejected";

  /** Why events were refused: the {@code reason} tag. */
  enum Rejection {
    SCHEMA,
    SIZE,
    INPUT,
    TRANSACTION;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final OutboxMetrics NONE = new OutboxMetrics(null, null);

  private final MeterProvider<Counter> appended;
  private final MeterProvider<Counter> rejected;

  private OutboxMetrics(MeterProvider<Counter> appended, MeterProvider<Counter> rejected) {
    this.appended = appended;
    this.rejected = rejected;
  }

  static OutboxMetrics of(MeterRegistry registry) {
    if (registry == null) {
      return NONE;
    }
    return new OutboxMetrics(
        Counter.builder(APPENDED)
            .description(
                "Events appended to the outbox, counted in the transaction that may still roll"
                    + " back")
            .baseUnit("events")
            .withRegistry(registry),
        Counter.builder(REJECTED)
            .description("Events the outbox refused before writing anything")
            .baseUnit("events")
            .withRegistry(registry));
  }

  void appended(OutboxEvent event) {
    if (appended != null) {
      appended
          .withTags("aggregateType", event.aggregateType(), "eventType", event.eventType())
          .increment();
    }
  }

  void rejected(Rejection reason, int events) {
    if (rejected != null) {
      rejected.withTags("reason", reason.tag()).increment(events);
    }
  }
}
