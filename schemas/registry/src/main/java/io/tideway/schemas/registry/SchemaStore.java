package io.tideway.schemas.registry;

import io.tideway.schemas.client.RegistryEvent;
import io.tideway.schemas.client.RegistryException;
import io.tideway.schemas.client.RegistryState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's content, kept in a compacted single-partition Kafka topic and mirrored in memory.
 *
 * <p><b>Reads</b> are answered from this instance's copy, which the {@link StoreReader} keeps up to
 * date; they may lag another instance's latest write by the reader's delay (milliseconds). A read
 * that finds nothing first catches up with the end of the topic and looks again ({@link
 * #readFresh}), so an id or version written anywhere a moment ago is found.
 *
 * <p><b>Writes</b> are serialised across every instance on the topic by Kafka's transactional
 * fencing. All instances use the same {@code transactional.id}. A write
 *
 * <ol>
 *   <li>makes sure this instance's producer is initialised ({@code initTransactions}), which fences
 *       any producer that initialised the same id before it and aborts its open transaction;
 *   <li>then takes the topic's end offset (the last stable offset) and waits until the reader has
 *       applied everything before it;
 *   <li>decides with the rules of {@link RegistryState} on that content;
 *   <li>appends the resulting records in one transaction and commits;
 *   <li>waits until the reader has applied them, and answers.
 * </ol>
 *
 * <p>Why this is serialisable: the commit succeeds only if no other instance initialised the same
 * {@code transactional.id} since this one did, for such an initialisation would have fenced this
 * producer. Any commit of another instance therefore either completed before this producer's
 * initialisation, and so lies before the end offset read in step 2 and is part of the content the
 * decision saw, or comes after this commit. No commit can fall between the read and the commit, so
 * every write decides on the complete history before it: two concurrent registrations of different
 * schemas, on one instance or on several, never get the same id or the same version. A fenced or
 * failed attempt starts again at step 1 after a short random pause, at most {@value #MAX_ATTEMPTS}
 * times within {@link #WRITE_TIMEOUT}. Within one instance a lock lets one write run at a time.
 *
 * <p>Because every write re-reads the topic first, a write retried after a commit whose outcome was
 * unknown decides again on what actually happened: a registration finds its schema registered.
 */
final class SchemaStore implements AutoCloseable {

  /** How long a write may take, retries and waits included. */
  static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);

  /** How many times a write is attempted. */
  static final int MAX_ATTEMPTS = 10;

  /** How long a read that found nothing waits for the reader to catch up. */
  private static final Duration FRESH_READ_TIMEOUT = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger(SchemaStore.class);

  /**
   * What a write decided.
   *
   * @param events the changes to append; none when there is nothing to change
   * @param answer what the request answers once they are applied
   */
  record Decision<T>(List<RegistryEvent> events, T answer) {}

  private final String topicName;
  private final Map<String, Object> producerConfig;
  private final StoreRecords records = new StoreRecords();
  private final RegistryMetrics metrics;
  private final CatchUps catchUps = new CatchUps();
  private final StoreTopic topic;
  private final StoreReader reader;
  private final ReentrantLock writeLock = new ReentrantLock();
  private Producer<byte[], byte[]> producer; // guarded by writeLock
  private volatile boolean caughtUp;

  /**
   * @param bootstrapServers the Kafka cluster
   * @param topicName the store topic
   * @param replicationFactor the topic's replication factor, when it is created
   * @param overrides Kafka client settings for every client, such as security settings
   * @param metrics where to count skipped records and retries
   */
  SchemaStore(
      String bootstrapServers,
      String topicName,
      int replicationFactor,
      Map<String, String> overrides,
      RegistryMetrics metrics) {
    this.topicName = topicName;
    this.metrics = metrics;

    Map<String, Object> common = new HashMap<>(overrides);
    common.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);

    Map<String, Object> admin = new HashMap<>(common);
    admin.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "schema-registry-admin-" + topicName);
    admin.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    admin.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);

    Map<String, Object> consumer = new HashMap<>(common);
    consumer.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "schema-registry-reader-" + topicName);
    // A fetch returns as soon as a commit makes records visible; this bounds an idle wait.
    consumer.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
    consumer.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumer.remove(ConsumerConfig.GROUP_ID_CONFIG);

    Map<String, Object> producer = new HashMap<>(common);
    producer.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "schema-registry-writer-" + topicName);
    producer.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
    producer.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    producer.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
    // An instance that dies mid-write holds back every reader until its transaction is aborted.
    producer.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
    producer.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(topicName));
    producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producer.put(ProducerConfig.ACKS_CONFIG, "all");
    this.producerConfig = producer;

    this.topic = new StoreTopic(admin, topicName, replicationFactor);
    try {
      this.reader = new StoreReader(consumer, topic.partition(), records, metrics);
    } catch (RuntimeException e) {
      topic.close();
      throw e;
    }
  }

  /** The {@code transactional.id} every instance on the topic shares, which fences them. */
  static String transactionalId(String topicName) {
    return "tideway-registry-" + topicName;
  }

  /**
   * Creates or checks the topic, starts the reader and waits until it has applied the whole topic.
   *
   * @throws IllegalStateException when the topic is unusable or the cluster does not answer in time
   */
  void start(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    topic.ensure(timeout);
    reader.start();
    long end;
    try {
      end = topic.endOffset(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Cannot find the end of the store topic " + topicName, e);
    }
    if (!reader.awaitApplied(end, deadline)) {
      throw new IllegalStateException(
          "The store reader did not reach the end of " + topicName + " within " + timeout);
    }
    caughtUp = true;
    log.info("Read the store topic {} up to offset {}", topicName, end);
  }

  /** Whether the content was read up to the end at start and the reader and cluster answer. */
  boolean ready() {
    if (!caughtUp || !reader.healthy()) {
      return false;
    }
    try {
      topic.endOffset(Duration.ofSeconds(2));
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException | KafkaException e) {
      return false;
    }
  }

  /** Answers a query from this instance's copy. */
  <T> T read(Function<RegistryState, T> query) {
    return reader.read(query);
  }

  /**
   * Answers a query from this instance's copy; when it finds nothing (a 404), catches up with the
   * end of the topic and asks again, so that what another instance wrote just before is found.
   *
   * @throws RegistryException 50001 when this copy found nothing and could not catch up: "not
   *     found" would be a guess, and clients take it for good (a deserializer would refuse a valid
   *     record), where they retry an error of the store
   */
  <T> T readFresh(Function<RegistryState, T> query) {
    long askedAt = System.nanoTime();
    try {
      return reader.read(query);
    } catch (RegistryException notFound) {
      if (notFound.httpStatus() != 404) {
        throw notFound;
      }
      if (!caughtUpSince(askedAt)) {
        throw new RegistryException(
            500,
            RegistryException.STORE_ERROR,
            "Not found in this instance's copy of the store, which could not catch up with the"
                + " store topic within "
                + FRESH_READ_TIMEOUT.toSeconds()
                + " s to look again: "
                + notFound.getMessage(),
            notFound);
      }
      return reader.read(query);
    }
  }

  /**
   * Catches up with the end of the topic as it was at {@code askedAt} or later. Catch-ups run one
   * at a time, and a query waiting for one takes the first that began after it asked: however many
   * queries find nothing at once (a client asking for what does not exist, over and over), the
   * broker is asked for the end offset about once per round trip, not once per query.
   */
  private boolean caughtUpSince(long askedAt) {
    synchronized (catchUps) {
      if (catchUps.began != 0 && catchUps.began - askedAt >= 0) {
        return catchUps.succeeded;
      }
      catchUps.began = System.nanoTime();
      metrics.caughtUp();
      catchUps.succeeded = catchUp(FRESH_READ_TIMEOUT);
      return catchUps.succeeded;
    }
  }

  /** The last catch-up: when it began, and whether it reached the end it read. */
  private static final class CatchUps {
    long began;
    boolean succeeded;
  }

  private boolean catchUp(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      return reader.awaitApplied(topic.endOffset(timeout), deadline);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException | KafkaException e) {
      return false;
    }
  }

  /**
   * Decides and carries out a change, serialised with every other write on the topic; see the class
   * comment for the steps.
   *
   * @param decide the decision, taken on content that includes every earlier write; it runs under
   *     the read lock and may throw {@link RegistryException} to refuse the request
   * @return the decision's answer, once its records are applied here
   * @throws RegistryException the refusal of {@code decide}; 50001 when the store keeps failing,
   *     50002 when it does not answer in time
   */
  <T> T write(Function<RegistryState, Decision<T>> decide) {
    long deadline = System.nanoTime() + WRITE_TIMEOUT.toNanos();
    try {
      if (!writeLock.tryLock(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw timeout("other writes on this instance took too long");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw timeout("interrupted while waiting for other writes");
    }
    try {
      return writeSerially(decide, deadline);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw timeout("interrupted");
    } finally {
      writeLock.unlock();
    }
  }

  private <T> T writeSerially(Function<RegistryState, Decision<T>> decide, long deadline)
      throws InterruptedException {
    RuntimeException lastFailure = null;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS && System.nanoTime() < deadline; attempt++) {
      if (attempt > 1) {
        metrics.retriedWrite();
        pause(attempt, deadline);
      }
      try {
        if (producer == null) {
          producer = newProducer();
        }
      } catch (RuntimeException e) {
        lastFailure = e;
        log.debug(
            "Write attempt {} on {} could not initialise: {}", attempt, topicName, e.toString());
        continue;
      }
      long end;
      try {
        end = topic.endOffset(remaining(deadline));
      } catch (RuntimeException | ExecutionException | TimeoutException e) {
        lastFailure = failure(e);
        continue;
      }
      if (!reader.awaitApplied(end, deadline)) {
        throw timeout("the store reader did not reach offset " + end + " in time");
      }
      // Deciding and encoding see the same content: the reader cannot move past 'end' meanwhile,
      // except by a commit that will fence this one.
      List<StoreRecords.Entry> entries = new ArrayList<>();
      Decision<T> decision =
          reader.read(
              state -> {
                Decision<T> d = decide.apply(state);
                for (RegistryEvent event : d.events()) {
                  entries.addAll(records.encode(event, state));
                }
                return d;
              });
      if (entries.isEmpty()) {
        return decision.answer();
      }
      long last;
      try {
        last = append(entries);
      } catch (RuntimeException | ExecutionException e) {
        lastFailure = failure(e);
        log.debug("Write attempt {} on {} failed: {}", attempt, topicName, e.toString());
        discardProducer();
        continue;
      }
      if (!reader.awaitApplied(last + 1, deadline)) {
        throw timeout("the write was committed but not yet read back");
      }
      return decision.answer();
    }
    if (lastFailure == null
        || lastFailure instanceof org.apache.kafka.common.errors.TimeoutException) {
      throw timeout(
          "the write did not succeed in " + WRITE_TIMEOUT.toSeconds() + " s", lastFailure);
    }
    throw new RegistryException(
        500,
        RegistryException.STORE_ERROR,
        "Error while writing to the store: " + lastFailure.getMessage(),
        lastFailure);
  }

  /** Appends the records in one transaction and returns the offset of the last one. */
  private long append(List<StoreRecords.Entry> entries)
      throws ExecutionException, InterruptedException {
    producer.beginTransaction();
    List<Future<RecordMetadata>> sent = new ArrayList<>(entries.size());
    for (StoreRecords.Entry entry : entries) {
      sent.add(producer.send(new ProducerRecord<>(topicName, 0, entry.key(), entry.value())));
    }
    producer.commitTransaction();
    long last = -1;
    for (Future<RecordMetadata> f : sent) {
      last = Math.max(last, f.get().offset());
    }
    return last;
  }

  private Producer<byte[], byte[]> newProducer() {
    KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
    try {
      p.initTransactions();
      return p;
    } catch (RuntimeException e) {
      p.close(Duration.ZERO);
      throw e;
    }
  }

  /**
   * Drops the producer after any failure: a fenced producer cannot be used again, and a fresh one
   * initialised again aborts whatever the old one left open.
   */
  private void discardProducer() {
    if (producer != null) {
      try {
        producer.close(Duration.ZERO);
      } catch (RuntimeException e) {
        log.debug("Closing a failed producer failed", e);
      }
      producer = null;
    }
  }

  /**
   * A short random pause, growing with the attempts, so that fencing instances fall out of step.
   */
  private static void pause(int attempt, long deadline) throws InterruptedException {
    long cap = Math.min(500, 10L << Math.min(attempt, 6));
    long millis = ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    Thread.sleep(Math.max(0, Math.min(millis, left)));
  }

  private static RuntimeException failure(Exception e) {
    Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    // Kafka reports a timeout in either package; both count as the store not answering in time.
    if (cause instanceof TimeoutException) {
      return new org.apache.kafka.common.errors.TimeoutException(cause.getMessage(), cause);
    }
    return cause instanceof RuntimeException r ? r : new KafkaException(cause);
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(
        Math.max(TimeUnit.MILLISECONDS.toNanos(1), deadline - System.nanoTime()));
  }

  private static RegistryException timeout(String why) {
    return timeout(why, null);
  }

  private static RegistryException timeout(String why, Throwable cause) {
    return new RegistryException(
        500, RegistryException.STORE_TIMEOUT, "Timed out writing to the store: " + why, cause);
  }

  @Override
  public void close() {
    writeLock.lock();
    try {
      if (producer != null) {
        producer.close(Duration.ofSeconds(5));
        producer = null;
      }
    } finally {
      writeLock.unlock();
    }
    reader.close();
    topic.close();
  }
}
