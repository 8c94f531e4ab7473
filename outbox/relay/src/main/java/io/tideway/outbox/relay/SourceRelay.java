package io.tideway.outbox.relay;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.micrometer.core.instrument.MeterRegistry;
import io.tideway.outbox.connect.OutboxContract;
import io.tideway.outbox.relay.RelayHealth.SourceState;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Streams one database's outbox: a Debezium engine, restarted after any failure with a growing
 * pause, whose batches are transformed, sent and acknowledged before their offsets may be
 * committed.
 */
final class SourceRelay implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SourceRelay.class);

  private static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
  private static final Duration LONGEST_PAUSE = Duration.ofSeconds(30);

  /** A run this long counts as healthy: the next failure starts the pauses from the first again. */
  private static final Duration HEALTHY_RUN = Duration.ofMinutes(1);

  /** Longer than an engine takes to start its task, its connection retries included. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(90);

  private static final Duration PRODUCER_CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private static final long NO_BATCH = Long.MIN_VALUE;

  private final OutboxSource source;
  private final Properties engineSettings;
  private final Map<String, Object> producerConfig;
  private final TopicCreation topics;
  private final RelayMetrics metrics;
  private final DeadLetters deadLetters;
  private final RecordConversion conversion = new RecordConversion();
  private final String changeTopic;
  private final ObjectName streamingMetrics;
  private final Thread supervisor;
  private final long stallAfterNanos;

  /**
   * Events Kafka refused for good in a batch that failed for another reason as well, by event id:
   * the engine sends the batch again, and these go to the dead-letter topic then, in their place,
   * instead of failing their batch again.
   */
  private final Map<String, RuntimeException> refusedEarlier = new ConcurrentHashMap<>();

  /**
   * Topics Kafka refused as a whole (the relay may not write to one, or its name is invalid), with
   * the refusal and when it is tried again: the later events for one go to the dead-letter topic
   * without a try, instead of each failing its batch and restarting the engine, which would hold
   * every other aggregate of the database back meanwhile.
   */
  private final Map<String, RefusedTopic> refusedTopics = new ConcurrentHashMap<>();

  /** How long a topic Kafka refused as a whole is not tried again. */
  static final Duration TOPIC_REFUSAL_KEPT = Duration.ofMinutes(1);

  private record RefusedTopic(RuntimeException error, long triedAgainFrom) {}

  /**
   * When the batch in hand was handed over ({@link System#nanoTime()}), {@link #NO_BATCH} when
   * none.
   */
  private volatile long batchSince = NO_BATCH;

  /** When the engine last handed a batch over, or started ({@link System#nanoTime()}). */
  private volatile long handedOverAt = System.nanoTime();

  private volatile boolean closed;
  private volatile DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
  private volatile boolean taskRunning;

  /** When the engine's task last started ({@link System#nanoTime()}). */
  private volatile long taskStartedAt;

  /**
   * Whether the engine runs again after a failure, and has relayed no batch since: until it has, it
   * counts as starting while it holds a batch, or within {@link #RECOVERY_GRACE} of its start, so
   * that a source failing on the same event at every restart never reads as streaming.
   */
  private volatile boolean restarted;

  /** How long a restarted engine that was handed no batch counts as starting. */
  private static final Duration RECOVERY_GRACE = Duration.ofSeconds(5);

  /** The producer of the engine running now: each run has its own (see {@link #relay}). */
  private volatile Producer<byte[], byte[]> producer;

  SourceRelay(
      RelaySettings settings,
      OutboxSource source,
      Map<String, Object> producerConfig,
      TopicCreation topics,
      MeterRegistry registry) {
    this.source = source;
    this.engineSettings = ConnectorConfig.engine(settings, source);
    this.producerConfig = producerConfig;
    this.topics = topics;
    this.metrics = new RelayMetrics(registry, source.name());
    this.deadLetters = new DeadLetters(settings.deadLetterTopic(), source.name());
    this.changeTopic = ConnectorConfig.changeTopic(source);
    this.streamingMetrics = streamingMetricsName(ConnectorConfig.topicPrefix(source));
    this.stallAfterNanos = settings.stallAfter().toNanos();
    this.supervisor = new Thread(this::superviseEngine, "tideway-relay-" + source.name());
  }

  void start() {
    supervisor.start();
  }

  OutboxSource source() {
    return source;
  }

  RelayMetrics metrics() {
    return metrics;
  }

  SourceState state() {
    if (closed) {
      return SourceState.STOPPED;
    }
    if (engine == null || !taskRunning) {
      return SourceState.STARTING;
    }
    long now = System.nanoTime();
    long since = batchSince;
    // Waiting for Kafka with a batch in hand, or with none while changes wait: the engine is held
    // outside the relay then, storing its offsets in Kafka, say.
    boolean stalled =
        since != NO_BATCH
            ? now - since > stallAfterNanos
            : now - handedOverAt > stallAfterNanos && changesWaiting();
    if (stalled) {
      return SourceState.STALLED;
    }
    if (restarted && (since != NO_BATCH || now - taskStartedAt < RECOVERY_GRACE.toNanos())) {
      return SourceState.STARTING;
    }
    return connected() ? SourceState.STREAMING : SourceState.DISCONNECTED;
  }

  private void superviseEngine() {
    Duration pause = FIRST_PAUSE;
    while (!closed) {
      long startedAt = System.nanoTime();
      Throwable failure = runEngine();
      if (closed) {
        break;
      }
      if (Duration.ofNanos(System.nanoTime() - startedAt).compareTo(HEALTHY_RUN) >= 0) {
        pause = FIRST_PAUSE;
      }
      metrics.restarted();
      restarted = true;
      // A topic deleted meanwhile must be created again, not taken as known.
      topics.forgetAll();
      log.warn("Relay of {} stopped; restarting in {} ms", source, pause.toMillis(), failure);
      try {
        Thread.sleep(pause.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      pause =
          pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0
              ? LONGEST_PAUSE
              : pause.multipliedBy(2);
    }
  }

  /** Runs one engine until it stops; what stopped it, or null. */
  private Throwable runEngine() {
    Throwable[] failure = new Throwable[1];
    try (TransformChain chain = TransformChain.of(ConnectorConfig.transforms())) {
      producer = new KafkaProducer<>(producerConfig);
      DebeziumEngine<RecordChangeEvent<SourceRecord>> created =
          DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
              .using(engineSettings)
              .using(
                  new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void taskStarted() {
                      handedOverAt = System.nanoTime();
                      taskStartedAt = handedOverAt;
                      taskRunning = true;
                      log.info("Relay of {} is streaming from slot {}", source, source.slotName());
                    }

                    @Override
                    public void taskStopped() {
                      taskRunning = false;
                    }
                  })
              .using(
                  (success, message, error) -> {
                    if (!success) {
                      failure[0] = error != null ? error : new RelayException(message, null);
                    }
                  })
              .notifying(
                  (records, committer) -> {
                    long now = System.nanoTime();
                    batchSince = now;
                    handedOverAt = now;
                    try {
                      relay(chain, records, committer);
                      restarted &= records.isEmpty();
                    } finally {
                      batchSince = NO_BATCH;
                    }
                  })
              .build();
      engine = created;
      if (closed) {
        return null;
      }
      created.run();
    } catch (RuntimeException e) {
      failure[0] = e;
    } finally {
      taskRunning = false;
      closeEngine();
      closeProducer();
    }
    return failure[0];
  }

  /**
   * One batch: transform and send every change, wait until Kafka acknowledged all of them, and only
   * then mark them processed, so no offset is committed ahead of its records. Any failed send fails
   * the batch, and the engine starts again from before it with a new producer; an event Kafka
   * refused for good is then sent to the dead-letter topic instead, in its place in the batch.
   *
   * <p>The first send that fails closes the producer at once, in its callback: an idempotent
   * producer keeps a partition's records in order through retries, but after a record that fails
   * for good it writes the batches behind it again under a new epoch, and a later event of the
   * failed one's aggregate would be in Kafka before it. Closed, it writes nothing after the
   * failure.
   *
   * <p>Kafka refuses a produce batch holding an invalid record as a whole: the invalid one fails
   * for good, the others beside it for now. So an event whose time its topic refuses (see {@link
   * TopicCreation#timeRefusal}) goes to the dead-letter topic without being sent. One refused all
   * the same fails its batch: the engine sends it again, and the invalid ones, remembered, go
   * straight to the dead-letter topic, so their neighbours pass the second time instead of failing
   * with them for ever.
   */
  private void relay(
      TransformChain chain,
      List<RecordChangeEvent<SourceRecord>> batch,
      DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
      throws InterruptedException {
    Producer<byte[], byte[]> sending = producer;
    AtomicBoolean failed = new AtomicBoolean();
    Callback closeOnFailure =
        (metadata, error) -> {
          if (error != null && failed.compareAndSet(false, true)) {
            sending.close(Duration.ZERO);
          }
        };
    List<Future<RecordMetadata>> sent = new ArrayList<>(batch.size());
    List<SourceRecord> changes = new ArrayList<>(batch.size());
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(batch.size());
    List<String> lettersOfEarlierRefusals = new ArrayList<>(0);
    for (RecordChangeEvent<SourceRecord> event : batch) {
      SourceRecord change = event.record();
      if (!changeTopic.equals(change.topic())) {
        continue; // heartbeats and the like: nothing to relay, but their offsets count
      }
      ProducerRecord<byte[], byte[]> record = toRecord(chain, change);
      if (record == null) {
        continue;
      }
      RuntimeException refusedBefore = refusedEarlier.get(eventId(record));
      if (refusedBefore != null) {
        lettersOfEarlierRefusals.add(eventId(record));
        record = refused(change, record, refusedBefore);
      } else {
        RuntimeException topicRefused = topicRefusal(record.topic());
        if (topicRefused != null) {
          record = refused(change, record, topicRefused);
        }
      }
      try {
        record = sendable(change, record);
        sent.add(sending.send(record, closeOnFailure));
      } catch (KafkaException | IllegalStateException closed) {
        if (!failed.get()) {
          throw closed;
        }
        break; // closed by a failure of this batch: what fails it is in its future
      }
      changes.add(change);
      records.add(record);
      if (failed.get()) {
        break; // what comes after could not be sent
      }
    }
    Map<Integer, RuntimeException> refusedNow = new LinkedHashMap<>();
    Throwable failedForNow = null;
    for (int i = 0; i < sent.size(); i++) {
      try {
        sent.get(i).get();
      } catch (ExecutionException e) {
        if (refusedForGood(e.getCause()) && !isDeadLetter(records.get(i))) {
          refusedNow.put(i, (RuntimeException) e.getCause());
        } else if (failedForNow == null) {
          failedForNow = e.getCause();
        }
        continue;
      }
      // Counted once Kafka has them: a batch that fails is built, dead letters and all, again.
      if (isDeadLetter(records.get(i))) {
        metrics.deadLettered();
      } else {
        metrics.relayed(occurredAt(records.get(i)), System.currentTimeMillis());
      }
    }
    if (failedForNow != null || !refusedNow.isEmpty()) {
      refusedNow.forEach(
          (i, error) -> {
            refusedEarlier.put(eventId(records.get(i)), error);
            if (refusesTopic(error)) {
              refusedTopics.put(
                  records.get(i).topic(),
                  new RefusedTopic(error, System.nanoTime() + TOPIC_REFUSAL_KEPT.toNanos()));
            }
          });
      throw new RelayException(
          "Kafka did not acknowledge an outbox event of " + source.name(),
          // A refusal for good is the cause of the failures for now beside it.
          refusedNow.isEmpty() ? failedForNow : refusedNow.values().iterator().next());
    }
    for (RecordChangeEvent<SourceRecord> event : batch) {
      committer.markProcessed(event);
    }
    committer.markBatchFinished();
    lettersOfEarlierRefusals.forEach(refusedEarlier::remove);
  }

  /**
   * The record, or its dead letter when Kafka will refuse it for good: its topic cannot be created,
   * or the topic refuses its time. Creates its topic the first time it is met.
   */
  private ProducerRecord<byte[], byte[]> sendable(
      SourceRecord change, ProducerRecord<byte[], byte[]> record) throws InterruptedException {
    try {
      ensureTopic(record);
    } catch (RelayException e) {
      if (!refusedForGood(e.getCause()) || isDeadLetter(record)) {
        throw e;
      }
      record = refused(change, record, (RuntimeException) e.getCause());
      ensureTopic(record);
    }
    String refusedTime =
        isDeadLetter(record) || record.timestamp() == null
            ? null
            : topics.timeRefusal(record.topic(), record.timestamp());
    if (refusedTime != null) {
      record = refused(change, record, new InvalidTimestampException(refusedTime));
      ensureTopic(record);
    }
    return record;
  }

  private static String eventId(ProducerRecord<byte[], byte[]> record) {
    return String.valueOf(header(record, "id"));
  }

  private boolean isDeadLetter(ProducerRecord<byte[], byte[]> record) {
    return record.topic().equals(deadLetters.topic());
  }

  /** Creates the record's topic the first time it is met, and warms the producer up for it. */
  private void ensureTopic(ProducerRecord<byte[], byte[]> record) throws InterruptedException {
    if (topics.ensure(record.topic())) {
      producer.partitionsFor(record.topic()); // the producer's metadata, before the first send
    }
  }

  /**
   * Whether Kafka refuses one event for good, so that sending it again would only fail again: its
   * topic cannot be created or written (a name that collides with another's, a policy, an ACL), or
   * its record is invalid. A record too large is not among them: its dead letter would be as large,
   * so the relay stops on it, and the event waits in the slot until the limits are raised.
   */
  private static boolean refusedForGood(Throwable error) {
    return error instanceof InvalidTopicException
        || error instanceof PolicyViolationException
        || error instanceof TopicAuthorizationException
        || error instanceof InvalidTimestampException
        || error instanceof InvalidRecordException;
  }

  /** Whether Kafka refused a topic as a whole, not the event: every event for it would fail too. */
  private static boolean refusesTopic(Throwable error) {
    return error instanceof TopicAuthorizationException || error instanceof InvalidTopicException;
  }

  /** The refusal of a topic Kafka refused as a whole, until it is tried again; else null. */
  private RuntimeException topicRefusal(String topic) {
    RefusedTopic refused = refusedTopics.get(topic);
    if (refused == null) {
      return null;
    }
    if (System.nanoTime() - refused.triedAgainFrom() >= 0) {
      refusedTopics.remove(topic);
      return null;
    }
    return refused.error();
  }

  /** The dead letter of an event Kafka refuses for good. */
  private ProducerRecord<byte[], byte[]> refused(
      SourceRecord change, ProducerRecord<byte[], byte[]> event, RuntimeException error) {
    ProducerRecord<byte[], byte[]> letter = deadLetters.record(change, error);
    try (MDC.MDCCloseable id = MDC.putCloseable("eventId", header(letter, "id"))) {
      log.warn(
          "Kafka refuses an outbox event of {} for topic {} for good, sent to {}: {}",
          source.name(),
          event.topic(),
          deadLetters.topic(),
          error.toString());
    }
    return letter;
  }

  /** The event for a change, its dead letter when it breaks the contract, or null for neither. */
  private ProducerRecord<byte[], byte[]> toRecord(TransformChain chain, SourceRecord change) {
    try {
      SourceRecord routed = chain.apply(change);
      if (routed == null) {
        return null; // a delete, which the outbox's publication should not even carry
      }
      ProducerRecord<byte[], byte[]> record = conversion.toProducerRecord(routed);
      if (log.isDebugEnabled()) {
        try (MDC.MDCCloseable id = MDC.putCloseable("eventId", header(record, "id"));
            MDC.MDCCloseable trace =
                MDC.putCloseable("traceparent", header(record, "traceparent"))) {
          log.debug("Relaying {} to {}", header(record, "eventType"), record.topic());
        }
      }
      return record;
    } catch (RuntimeException e) {
      ProducerRecord<byte[], byte[]> letter = deadLetters.record(change, e);
      try (MDC.MDCCloseable id = MDC.putCloseable("eventId", header(letter, "id"))) {
        log.warn(
            "Outbox change of {} at lsn {} breaks the contract, sent to {}: {}",
            source.name(),
            change.sourceOffset() == null ? null : change.sourceOffset().get("lsn"),
            deadLetters.topic(),
            e.getMessage());
      }
      return letter;
    }
  }

  private static long occurredAt(ProducerRecord<byte[], byte[]> record) {
    String value = header(record, OutboxContract.OCCURRED_AT_HEADER);
    return value == null ? record.timestamp() : Long.parseLong(value);
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null || header.value() == null
        ? null
        : new String(header.value(), StandardCharsets.UTF_8);
  }

  private boolean connected() {
    return streamingMetric("Connected").contains(Boolean.TRUE);
  }

  /** Whether Debezium's queue holds changes not handed over yet. */
  private boolean changesWaiting() {
    return streamingMetric("CurrentQueueSizeInBytes").stream()
        .anyMatch(bytes -> bytes instanceof Long size && size > 0);
  }

  /** An attribute of the source's streaming metrics (Debezium's), from each of its MBeans. */
  private List<Object> streamingMetric(String attribute) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    List<Object> values = new ArrayList<>(1);
    try {
      for (ObjectName name : server.queryNames(streamingMetrics, null)) {
        values.add(server.getAttribute(name, attribute));
      }
    } catch (JMException e) {
      log.debug("Cannot read the streaming metrics of {}", source, e);
    }
    return values;
  }

  private static ObjectName streamingMetricsName(String topicPrefix) {
    try {
      // The prefix holds letters, digits, '_' and '.' only: nothing to quote.
      return new ObjectName(
          "debezium.postgres:type=connector-metrics,context=streaming,server="
              + topicPrefix
              + ",*");
    } catch (JMException e) {
      throw new IllegalArgumentException("Unusable topic prefix " + topicPrefix, e);
    }
  }

  /**
   * Closes the run's producer. Bounded: with the broker gone it would hold the stop for its whole
   * timeout, and what it still holds belongs to a batch whose offsets were not committed, which the
   * next run sends again.
   */
  private void closeProducer() {
    Producer<byte[], byte[]> current = producer;
    if (current != null) {
      current.close(PRODUCER_CLOSE_TIMEOUT);
    }
  }

  private void closeEngine() {
    DebeziumEngine<RecordChangeEvent<SourceRecord>> current = engine;
    if (current != null) {
      try {
        current.close();
      } catch (IllegalStateException alreadyStopped) {
        // the engine shut itself down after a failure, or close() came first
      } catch (IOException e) {
        log.warn("Closing the engine of {} failed", source, e);
      }
    }
  }

  /**
   * Stops the engine, letting it commit the offsets of what Kafka has acknowledged. An interrupt
   * does not cut it short, or an engine that refused to stop would stream on after it; the thread
   * is interrupted again at the end.
   */
  @Override
  public void close() {
    closed = true;
    long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
    boolean interrupted = false;
    // An engine starting its task refuses to stop until the task has started (a minute of retries
    // while the database cannot be reached), and would then stream on: ask again until it ends.
    do {
      closeEngine();
      try {
        supervisor.join(TimeUnit.SECONDS.toMillis(1));
      } catch (InterruptedException e) {
        interrupted = true;
      }
    } while (supervisor.isAlive() && System.nanoTime() < deadline);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
