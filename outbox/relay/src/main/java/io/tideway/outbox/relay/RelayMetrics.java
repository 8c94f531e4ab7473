package io.tideway.outbox.relay;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meters of one source. Names, all tagged {@code source}:
 *
 * <ul>
 *   <li>{@code tideway.relay.events} — events relayed (acknowledged by Kafka);
 *   <li>{@code tideway.relay.lag} — from the row's commit to Kafka's acknowledgement, a histogram;
 *   <li>{@code tideway.relay.dead.letters} — change events sent to the dead-letter topic
 *       (acknowledged by Kafka);
 *   <li>{@code tideway.relay.slot.lag} — bytes of WAL the replication slot has not confirmed yet;
 *   <li>{@code tideway.relay.slot.retained} — bytes of WAL the slot keeps the server from removing;
 *   <li>{@code tideway.relay.restarts} — times the engine was restarted after a failure.
 * </ul>
 */
final class RelayMetrics {

  private final Counter events;
  private final Timer lag;
  private final Counter deadLetters;
  private final Counter restarts;
  final AtomicLong slotLag = new AtomicLong(-1);
  final AtomicLong slotRetained = new AtomicLong(-1);

  RelayMetrics(MeterRegistry registry, String source) {
    events =
        Counter.builder("tideway.relay.events")
            .description("Outbox events relayed to Kafka and acknowledged")
            .tag("source", source)
            .register(registry);
    lag =
        Timer.builder("tideway.relay.lag")
            .description("Time from an outbox row's commit to Kafka's acknowledgement of its event")
            .tag("source", source)
            .publishPercentiles(0.5, 0.99)
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofMinutes(5))
            .register(registry);
    deadLetters =
        Counter.builder("tideway.relay.dead.letters")
            .description(
                "Outbox change events that broke the contract, sent to the dead-letter topic")
            .tag("source", source)
            .register(registry);
    restarts =
        Counter.builder("tideway.relay.restarts")
            .description("Engine restarts after a failure")
            .tag("source", source)
            .register(registry);
    Gauge.builder("tideway.relay.slot.lag", slotLag, AtomicLong::get)
        .description(
            "WAL bytes the replication slot has not confirmed yet (-1: unknown, missing or invalidated)")
        .baseUnit("bytes")
        .tag("source", source)
        .register(registry);
    Gauge.builder("tideway.relay.slot.retained", slotRetained, AtomicLong::get)
        .description(
            "WAL bytes the replication slot keeps on the server (-1: unknown, missing or invalidated)")
        .baseUnit("bytes")
        .tag("source", source)
        .register(registry);
  }

  void relayed(long committedAtMillis, long ackedAtMillis) {
    events.increment();
    lag.record(Duration.ofMillis(Math.max(0, ackedAtMillis - committedAtMillis)));
  }

  void deadLettered() {
    deadLetters.increment();
  }

  void restarted() {
    restarts.increment();
  }
}
