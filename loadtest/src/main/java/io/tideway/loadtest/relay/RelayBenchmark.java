package io.tideway.loadtest.relay;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tideway.contracts.order.OrderPlaced;
import io.tideway.loadtest.ScratchDatabase;
import io.tideway.loadtest.jmh.SampleEvents;
import io.tideway.outbox.Outbox;
import io.tideway.outbox.OutboxEvent;
import io.tideway.outbox.OutboxMigration;
import io.tideway.outbox.relay.OutboxRelay;
import io.tideway.outbox.relay.OutboxSource;
import io.tideway.outbox.relay.RelaySettings;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The outbox relay under load, on a database of its own that the run creates and drops:
 *
 * <ol>
 *   <li><b>Capture throughput against a bare engine.</b> {@code prefill} events are committed while
 *       nothing reads them (both replication slots exist beforehand, so both see them). Then a bare
 *       Debezium engine with the relay's connector settings and a handler that does nothing but
 *       mark records processed drains its slot, and then the relay drains its own, until Kafka
 *       acknowledged every event. Each rate runs from the first change seen to the last, so that
 *       engine start-up is left out of both.
 *   <li><b>Commit-to-Kafka latency at fixed rates.</b> For each rate, writer threads commit
 *       transactions of {@code batch} events each on an open-loop schedule, through the real outbox
 *       writer, while a consumer reads the events back; the latency of an event runs from its
 *       commit ({@code occurredAt}, PostgreSQL's commit time) to the consumer seeing it, so it
 *       includes the consumer's fetch on top of the relay's acknowledgement.
 * </ol>
 */
public final class RelayBenchmark {

  /**
   * What to run.
   *
   * @param bootstrapServers the Kafka cluster
   * @param serverUrl a JDBC URL of the PostgreSQL server (any database); the run creates its own
   * @param user a user that may create databases and replication slots
   * @param password that user's password (empty for the local platform's trust)
   * @param registryUrl the schema registry the writer serializes through
   * @param prefill events committed for the throughput comparison; 0 skips it
   * @param baseline whether to drain with a bare engine too
   * @param rates commit rates, transactions per second, one phase each
   * @param batch events per transaction
   * @param writers writer threads, each on a connection of its own
   * @param warmup the start of each phase left out of its figures
   * @param duration each phase's measured length
   */
  public record Settings(
      String bootstrapServers,
      String serverUrl,
      String user,
      String password,
      String registryUrl,
      int prefill,
      boolean baseline,
      List<Integer> rates,
      int batch,
      int writers,
      Duration warmup,
      Duration duration) {}

  /** Events per second of a drain: {@code events} over the time from the first to the last. */
  public record Drain(long events, double seconds) {
    public double eventsPerSecond() {
      return events / seconds;
    }
  }

  /** One fixed-rate phase: what was committed and received, and commit-to-consumer latency. */
  public record Phase(
      int rate,
      int batch,
      double committedTransactionsPerSecond,
      double receivedEventsPerSecond,
      long events,
      double p50Ms,
      double p99Ms,
      double p999Ms,
      double maxMs) {}

  /** Everything the run measured; drains are null when skipped. */
  public record Report(Drain baseline, Drain relay, List<Phase> phases) {
    /** Relay throughput over the bare engine's, or NaN without both. */
    public double ratio() {
      return baseline == null || relay == null
          ? Double.NaN
          : relay.eventsPerSecond() / baseline.eventsPerSecond();
    }
  }

  private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(10);
  private static final Duration CATCH_UP = Duration.ofMinutes(2);
  private static final int PREFILL_BATCH = 500;
  private static final int PARTITIONS = 3;

  private final Settings settings;
  private final Consumer<String> progress;
  private final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  private ScratchDatabase database;
  private final String aggregateType = "loadtest_relay_" + suffix;

  /**
   * Every event's payload, built once: Avro's builders cost the writers a fifth of their CPU, which
   * is the benchmark's cost, not the outbox's. Serializing only reads it.
   */
  private final OrderPlaced payload = SampleEvents.orderPlaced();

  private volatile boolean stopped;

  public RelayBenchmark(Settings settings, Consumer<String> progress) {
    this.settings = settings;
    this.progress = progress;
  }

  /**
   * Ends a run at its next step (Ctrl-C): it fails, and drops its database, slots and topics as any
   * run does; slots left behind would hold the server's WAL for good.
   */
  public void stop() {
    stopped = true;
  }

  private void checkStopped() {
    if (stopped) {
      throw new CancellationException("The relay benchmark was stopped");
    }
  }

  /** Runs every step, then drops the database and its slots whatever happened. */
  public Report run() throws Exception {
    database =
        ScratchDatabase.create(
            settings.serverUrl(), "loadtest_relay_" + suffix, settings.user(), settings.password());
    OutboxMigration.migrate(database.dataSource());
    try (ScratchDatabase created = database;
        Admin admin =
            Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers()))) {
      // Created up front, so the consumer of a run without a prefill has a topic to wait on.
      admin.createTopics(List.of(new NewTopic(eventTopic(), PARTITIONS, (short) -1))).all().get();
      try {
        return measure();
      } finally {
        admin.deleteTopics(List.of(eventTopic(), offsetsTopic(), deadLetterTopic()));
      }
    }
  }

  private String eventTopic() {
    return aggregateType + OutboxEvent.TOPIC_SUFFIX;
  }

  private String offsetsTopic() {
    return "loadtest.relay.offsets." + suffix;
  }

  private String deadLetterTopic() {
    return "loadtest.relay.dlq." + suffix;
  }

  private Report measure() throws Exception {
    OutboxSource source =
        OutboxSource.fromJdbcUrl("loadtest", database.url(), settings.user(), settings.password());
    RelaySettings relaySettings =
        RelaySettings.of(settings.bootstrapServers(), List.of(source))
            .withTopics(offsetsTopic(), deadLetterTopic())
            .withTopicLayout(PARTITIONS, (short) -1);
    String baselineSlot = "loadtest_bare_" + suffix;
    try (Connection c = database.connect();
        Statement s = c.createStatement()) {
      s.execute(
          "SELECT pg_create_logical_replication_slot('" + source.slotName() + "', 'pgoutput')");
      if (settings.baseline()) {
        s.execute("SELECT pg_create_logical_replication_slot('" + baselineSlot + "', 'pgoutput')");
      }
    }
    try (Outbox outbox =
        Outbox.builder(Map.of("schema.registry.url", settings.registryUrl())).build()) {
      Drain bare = null;
      if (settings.prefill() > 0) {
        prefill(outbox);
        if (settings.baseline()) {
          bare = drainBare(relaySettings, source, baselineSlot);
          progress.accept(
              String.format(
                  "bare Debezium engine: %,d events in %.2f s, %,.0f events/s",
                  bare.events(), bare.seconds(), bare.eventsPerSecond()));
        }
      }
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      try (OutboxRelay relay = OutboxRelay.start(relaySettings, meters)) {
        await(() -> relay.health().streaming(), "the relay to stream");
        Drain relayed = null;
        if (settings.prefill() > 0) {
          relayed = drainRelay(meters);
          progress.accept(
              String.format(
                  "outbox relay:         %,d events in %.2f s, %,.0f events/s",
                  relayed.events(), relayed.seconds(), relayed.eventsPerSecond()));
        }
        List<Phase> phases = new ArrayList<>();
        for (int rate : settings.rates()) {
          Phase phase = fixedRate(outbox, rate);
          phases.add(phase);
          progress.accept(
              String.format(
                  "%,d tx/s x %d: committed %,.0f tx/s, received %,.0f events/s, commit->Kafka"
                      + " p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms",
                  rate,
                  settings.batch(),
                  phase.committedTransactionsPerSecond(),
                  phase.receivedEventsPerSecond(),
                  phase.p50Ms(),
                  phase.p99Ms(),
                  phase.p999Ms(),
                  phase.maxMs()));
        }
        return new Report(bare, relayed, phases);
      }
    }
  }

  private void prefill(Outbox outbox) throws SQLException {
    progress.accept(
        String.format("committing %,d events while nothing reads them ...", settings.prefill()));
    try (Connection c = database.connect()) {
      c.setAutoCommit(false);
      for (int written = 0; written < settings.prefill(); written += PREFILL_BATCH) {
        List<OutboxEvent> events = new ArrayList<>();
        for (int i = 0; i < Math.min(PREFILL_BATCH, settings.prefill() - written); i++) {
          events.add(event());
        }
        outbox.appendAll(c, events);
        c.commit();
      }
    }
  }

  /** The bare engine on its own slot: counts the outbox's inserts and marks every record done. */
  private Drain drainBare(RelaySettings relaySettings, OutboxSource source, String slot)
      throws Exception {
    Properties engine = OutboxRelay.engineSettings(relaySettings, source);
    engine.setProperty("name", "loadtest-bare-" + suffix);
    engine.setProperty("slot.name", slot);
    engine.setProperty(
        "offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
    String changeTopic = OutboxRelay.changeTopic(source);
    AtomicLong seen = new AtomicLong();
    AtomicLong first = new AtomicLong();
    AtomicLong last = new AtomicLong();
    ExecutorService runner = Executors.newSingleThreadExecutor();
    try (DebeziumEngine<RecordChangeEvent<SourceRecord>> bare =
        DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
            .using(engine)
            .notifying(
                (records, committer) -> {
                  long now = System.nanoTime();
                  for (RecordChangeEvent<SourceRecord> record : records) {
                    if (changeTopic.equals(record.record().topic())) {
                      first.compareAndSet(0, now);
                      seen.incrementAndGet();
                    }
                    committer.markProcessed(record);
                  }
                  last.set(now);
                  committer.markBatchFinished();
                })
            .build()) {
      Future<?> running = runner.submit(bare);
      await(() -> seen.get() >= settings.prefill(), "the bare engine to see every event");
      running.cancel(false);
      return new Drain(seen.get(), (last.get() - first.get()) / 1e9);
    } finally {
      runner.shutdownNow();
    }
  }

  /** From the relay's first acknowledged event to its last, by its own counter. */
  private Drain drainRelay(SimpleMeterRegistry meters) throws Exception {
    long first = 0;
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    while (true) {
      checkStopped();
      double relayed = relayed(meters);
      long now = System.nanoTime();
      if (relayed > 0 && first == 0) {
        first = now;
      }
      if (relayed >= settings.prefill()) {
        return new Drain((long) relayed, (now - first) / 1e9);
      }
      if (now > deadline) {
        throw new IllegalStateException(
            "The relay acknowledged " + (long) relayed + " of " + settings.prefill() + " events");
      }
      Thread.sleep(5);
    }
  }

  private static double relayed(SimpleMeterRegistry meters) {
    var counter = meters.find("tideway.relay.events").counter();
    return counter == null ? 0 : counter.count();
  }

  private Phase fixedRate(Outbox outbox, int rate) throws Exception {
    Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
    Duration total = settings.warmup().plus(settings.duration());
    long transactions = rate * total.toSeconds();
    AtomicLong committed = new AtomicLong();
    long received = 0;
    long receivedAll = 0;
    Properties consumer = new Properties();
    consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    consumer.put(ConsumerConfig.GROUP_ID_CONFIG, "loadtest-relay-" + suffix + "-" + rate);
    consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    ExecutorService writers = Executors.newFixedThreadPool(settings.writers());
    try (KafkaConsumer<byte[], byte[]> reader =
        new KafkaConsumer<>(consumer, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      reader.subscribe(List.of(eventTopic()));
      while (reader.assignment().isEmpty()) {
        reader.poll(Duration.ofMillis(100));
      }
      reader.seekToEnd(reader.assignment());
      reader.assignment().forEach(reader::position);
      progress.accept(
          String.format(
              "%,d tx/s x %d for %d s after %d s of warm-up ...",
              rate,
              settings.batch(),
              settings.duration().toSeconds(),
              settings.warmup().toSeconds()));
      // From here, once the reader has joined: the warm-up is as long as it says.
      long warmupEnds = System.currentTimeMillis() + settings.warmup().toMillis();
      long startNanos = System.nanoTime();
      List<Future<?>> running = new ArrayList<>();
      for (int w = 0; w < settings.writers(); w++) {
        int writer = w;
        running.add(
            writers.submit(
                () -> {
                  writeOnSchedule(outbox, rate, writer, transactions, startNanos, committed);
                  return null;
                }));
      }
      long measuredStart = 0;
      long measuredEnd = 0;
      long writersDone = 0;
      long deadline = System.nanoTime() + total.plus(CATCH_UP).toNanos();
      // Until every writer is done and every event it committed has arrived.
      while (!(allDone(running) && receivedAll >= committed.get() * settings.batch())) {
        checkStopped();
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              String.format(
                  "%,d of %,d events arrived within %s of the phase's end",
                  receivedAll, committed.get() * settings.batch(), CATCH_UP));
        }
        if (writersDone == 0 && allDone(running)) {
          writersDone = System.nanoTime();
        }
        for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(50))) {
          long now = System.currentTimeMillis();
          receivedAll++;
          long occurredAt = Long.parseLong(text(record.headers().lastHeader("occurredAt")));
          if (occurredAt < warmupEnds) {
            continue;
          }
          if (received == 0) {
            measuredStart = System.nanoTime();
          }
          measuredEnd = System.nanoTime();
          latency.recordValue(
              Math.min(Math.max(0, now - occurredAt) * 1000, latency.getHighestTrackableValue()));
          received++;
        }
      }
      for (Future<?> writer : running) {
        writer.get();
      }
      if (writersDone == 0) {
        writersDone = System.nanoTime(); // done as the last events arrived
      }
      // Committed while the writers ran, not while the relay caught up after them.
      double writing = (writersDone - startNanos) / 1e9;
      // Received over no shorter a span than the measured phase: a backlog draining faster than
      // the writers commit would read as a rate above theirs.
      double receiving =
          Math.max((measuredEnd - measuredStart) / 1e9, settings.duration().toNanos() / 1e9);
      return new Phase(
          rate,
          settings.batch(),
          committed.get() / writing,
          received / receiving,
          received,
          latency.getValueAtPercentile(50) / 1000.0,
          latency.getValueAtPercentile(99) / 1000.0,
          latency.getValueAtPercentile(99.9) / 1000.0,
          latency.getMaxValue() / 1000.0);
    } finally {
      writers.shutdownNow();
    }
  }

  /**
   * One writer's share of the schedule: transaction {@code n} is due at {@code n / rate} seconds; a
   * writer that falls behind commits late rather than never, which shows in the rate committed.
   */
  private void writeOnSchedule(
      Outbox outbox, int rate, int writer, long transactions, long startNanos, AtomicLong committed)
      throws Exception {
    try (Connection c = database.connect()) {
      c.setAutoCommit(false);
      for (long n = writer; n < transactions; n += settings.writers()) {
        long due = startNanos + n * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        List<OutboxEvent> events = new ArrayList<>(settings.batch());
        for (int i = 0; i < settings.batch(); i++) {
          events.add(event());
        }
        outbox.appendAll(c, events);
        c.commit();
        committed.incrementAndGet();
      }
    }
  }

  private static boolean allDone(List<Future<?>> writers) {
    return writers.stream().allMatch(Future::isDone);
  }

  private OutboxEvent event() {
    return OutboxEvent.of(aggregateType, UUID.randomUUID().toString(), payload);
  }

  private static String text(Header header) {
    return new String(header.value(), StandardCharsets.UTF_8);
  }

  private void await(BooleanSupplier done, String what) throws Exception {
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    while (!done.getAsBoolean()) {
      checkStopped();
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }
}
