package io.tideway.outbox.relay;

import io.micrometer.core.instrument.MeterRegistry;
import io.tideway.outbox.relay.RelayHealth.SourceState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox relay: streams the {@code outbox} table of each source database into Kafka, as
 * Debezium's outbox pattern defines it — topic {@code <aggregatetype>.events}, key the aggregate
 * id, headers {@code id}, {@code eventType}, {@code aggregateType}, {@code occurredAt} and {@code
 * traceparent}, the payload's bytes untouched.
 *
 * <p>One Debezium embedded engine runs per source, each on a replication slot of its own and with
 * an idempotent producer of its own ({@code acks=all}), closed at its first failed send so that no
 * event of an aggregate overtakes an earlier one Kafka refused. A batch's offsets are marked
 * processed only after Kafka acknowledged every record of the batch, and stored in Kafka ({@link
 * RelaySettings#offsetsTopic()}), so a relay killed at any moment resumes from what Kafka has: it
 * may send the last second's events again (consumers deduplicate by the {@code id} header), never
 * fewer. A change that breaks the contract goes to the dead-letter topic and the rest go on. An
 * engine that fails — the database or the broker gone — is restarted with growing pauses, up to 30
 * s, until it streams again.
 *
 * <pre>{@code
 * try (OutboxRelay relay = OutboxRelay.start(RelaySettings.of(bootstrap, sources), meters)) {
 *   ...
 * }
 * }</pre>
 */
public final class OutboxRelay implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

  private final Admin admin;
  private final List<SourceRelay> relays;
  private final List<SlotMonitor> monitors;
  private final ScheduledExecutorService schedule;

  private OutboxRelay(
      Admin admin,
      List<SourceRelay> relays,
      List<SlotMonitor> monitors,
      ScheduledExecutorService schedule) {
    this.admin = admin;
    this.relays = relays;
    this.monitors = monitors;
    this.schedule = schedule;
  }

  /**
   * Starts an engine for each source and returns at once; {@link #health()} tells when they stream.
   * Engines that cannot start yet (a database or broker not up) keep trying.
   *
   * @param meters where the relay's meters go ({@code tideway.relay.*}, see the README)
   */
  public static OutboxRelay start(RelaySettings settings, MeterRegistry meters) {
    Map<String, Object> adminConfig = new HashMap<>(settings.kafkaClientSettings());
    adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    adminConfig.put(AdminClientConfig.CLIENT_ID_CONFIG, "tideway-relay-admin");
    Admin admin = Admin.create(adminConfig);
    TopicCreation topics =
        new TopicCreation(admin, settings.partitions(), settings.replicationFactor());
    List<SourceRelay> relays = new ArrayList<>();
    List<SlotMonitor> monitors = new ArrayList<>();
    ScheduledExecutorService schedule =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "tideway-relay-slots");
              thread.setDaemon(true);
              return thread;
            });
    for (OutboxSource source : settings.sources()) {
      SourceRelay relay =
          new SourceRelay(settings, source, producerConfig(settings, source), topics, meters);
      relays.add(relay);
      monitors.add(new SlotMonitor(source, relay.metrics()));
    }
    OutboxRelay outboxRelay = new OutboxRelay(admin, relays, monitors, schedule);
    relays.forEach(SourceRelay::start);
    schedule.scheduleWithFixedDelay(
        () -> monitors.forEach(SlotMonitor::read),
        0,
        SlotMonitor.PERIOD.toMillis(),
        TimeUnit.MILLISECONDS);
    log.info("Outbox relay started for {}", settings.sources());
    return outboxRelay;
  }

  /**
   * The settings of a source's producer: idempotent with {@code acks=all}, whatever the overrides
   * say, and tuned for latency (a record waits at most 1 ms for its batch) and catching up (batches
   * of up to 256 KiB, lz4). A record Kafka cannot take for five minutes fails its batch, and the
   * engine restarts from the last committed offset.
   */
  static Map<String, Object> producerConfig(RelaySettings settings, OutboxSource source) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    config.put(ProducerConfig.CLIENT_ID_CONFIG, ConnectorConfig.engineName(source));
    config.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 300_000);
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    // A catching-up relay sends thousands of events a batch: room for them in fewer requests
    // (16 KiB by default); linger.ms still caps what a lone event waits.
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    config.putAll(settings.kafkaClientSettings());
    config.putAll(settings.producerOverrides());
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return config;
  }

  /**
   * The Debezium engine settings the relay runs a source with, transformations and converters left
   * out (the relay applies those itself): for tools that run a bare engine beside the relay under
   * the same conditions, such as the load test's baseline.
   */
  public static Properties engineSettings(RelaySettings settings, OutboxSource source) {
    return ConnectorConfig.engine(settings, source);
  }

  /** The topic Debezium gives a source's outbox change events, before the relay routes them. */
  public static String changeTopic(OutboxSource source) {
    return ConnectorConfig.changeTopic(source);
  }

  /** Each source's state, and whether all of them stream. */
  public RelayHealth health() {
    Map<String, SourceState> states = new LinkedHashMap<>();
    relays.forEach(relay -> states.put(relay.source().name(), relay.state()));
    return new RelayHealth(states);
  }

  /** Stops every engine, letting each commit the offsets of what Kafka has acknowledged. */
  @Override
  public void close() {
    schedule.shutdownNow();
    relays.forEach(SourceRelay::close);
    monitors.forEach(SlotMonitor::close);
    admin.close();
    log.info("Outbox relay stopped");
  }
}
