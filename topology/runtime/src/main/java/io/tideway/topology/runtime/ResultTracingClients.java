package io.tideway.topology.runtime;

import io.tideway.topology.RefusedResults;
import io.tideway.topology.ResultInputs;
import io.tideway.topology.runtime.errors.ErrorCounts;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's own clients, but for a producer that notes with each send the input record its result
 * came from ({@link ResultInputs#processing}, or {@link ResultInputs#NO_INPUT}) and names it again
 * while the send's callback runs: what the production handler needs when the broker refuses a
 * result after the task went on. A result without an input that Kafka refused before ({@link
 * RefusedResults#refusedAgain}) is not sent again: its send fails at once, for the handler to
 * dead-letter it.
 *
 * <p>The producer counts the dead letters the dead-letter topic holds ({@link
 * ErrorCounts#deadLettered}): each once the broker acknowledged it and, for a transactional
 * producer, once its transaction committed; a letter of an aborted transaction is not counted, as
 * it is written again when its input is read again.
 *
 * <p>The producer learns where the dead-letter topic is at its first send, and keeps it: under
 * at-least-once the handler's dead letter for a result the broker refused is sent from within the
 * send's callback, on the producer's own network thread, which cannot fetch the metadata of a topic
 * it does not know while it waits for it there; the send would block for {@code max.block.ms} and
 * fail, and the task be read again from its last commit.
 */
final class ResultTracingClients implements KafkaClientSupplier {

  /**
   * How long the producer keeps the metadata of a topic it does not write to, the dead letters'.
   */
  private static final Duration METADATA_KEPT = Duration.ofDays(365);

  private static final Logger log = LoggerFactory.getLogger(ResultTracingClients.class);

  private final RefusedResults refused;
  private final String deadLetterTopic;
  private final ErrorCounts counts;

  /**
   * @param refused the deployment's refused results, or null for none
   * @param deadLetterTopic the deployment's dead-letter topic, or null for none
   * @param counts where the dead letters the topic holds are counted
   */
  ResultTracingClients(RefusedResults refused, String deadLetterTopic, ErrorCounts counts) {
    this.refused = refused;
    this.deadLetterTopic = deadLetterTopic;
    this.counts = counts;
  }

  @Override
  public Admin getAdmin(Map<String, Object> config) {
    return Admin.create(config);
  }

  @Override
  public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
    Map<String, Object> keeping = new HashMap<>(config);
    keeping.putIfAbsent(ProducerConfig.METADATA_MAX_IDLE_CONFIG, METADATA_KEPT.toMillis());
    return tracing(
        new KafkaProducer<>(keeping, new ByteArraySerializer(), new ByteArraySerializer()),
        config.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG) != null);
  }

  /** The producer, tracing its results' inputs. */
  Producer<byte[], byte[]> tracing(Producer<byte[], byte[]> producer, boolean transactional) {
    return new TracingProducer(producer, refused, deadLetterTopic, counts, transactional);
  }

  @Override
  public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
    return consumer(config);
  }

  @Override
  public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
    return consumer(config);
  }

  @Override
  public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
    return consumer(config);
  }

  private static Consumer<byte[], byte[]> consumer(Map<String, Object> config) {
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Delegates everything; a send's callback runs with the input of its result named. */
  private static final class TracingProducer implements Producer<byte[], byte[]> {

    private final Producer<byte[], byte[]> producer;
    private final RefusedResults refused;
    private final String deadLetterTopic;
    private final ErrorCounts counts;
    private final boolean transactional;

    /** Whether the first send has yet to learn where the dead-letter topic is. */
    private volatile boolean unlearnt;

    /** The first failure of a send in this transactional producer's transaction, or null. */
    private volatile Exception firstFailure;

    /** The stages of the dead letters acknowledged in this transaction, counted at its commit. */
    private final List<String> lettersInTransaction = new ArrayList<>();

    TracingProducer(
        Producer<byte[], byte[]> producer,
        RefusedResults refused,
        String deadLetterTopic,
        ErrorCounts counts,
        boolean transactional) {
      this.producer = producer;
      this.refused = refused;
      this.deadLetterTopic = deadLetterTopic;
      this.counts = counts;
      this.transactional = transactional;
      this.unlearnt = deadLetterTopic != null;
    }

    @Override
    public Future<RecordMetadata> send(
        ProducerRecord<byte[], byte[]> record, Callback streamsCallback) {
      if (unlearnt) {
        learnDeadLetterTopic();
      }
      Callback callback =
          record.topic().equals(deadLetterTopic)
              ? counting(record, streamsCallback)
              : streamsCallback;
      if (callback == null) {
        return producer.send(record, null);
      }
      ResultInputs.Input processing = ResultInputs.processing();
      ResultInputs.Input input = processing != null ? processing : ResultInputs.NO_INPUT;
      RuntimeException again =
          processing == null && refused != null ? refused.refusedAgain(record) : null;
      if (again != null) {
        // Never handed to the producer, so its transaction goes on unharmed.
        ResultInputs.completing(input, () -> callback.onCompletion(null, again));
        return CompletableFuture.failedFuture(again);
      }
      return producer.send(
          record,
          (metadata, exception) -> {
            Exception outcome = sharedFailure(exception);
            ResultInputs.completing(input, () -> callback.onCompletion(metadata, outcome));
          });
    }

    /**
     * Fetches the dead-letter topic's metadata at the first send: on a stream thread, as no
     * callback runs before a send, and before the transaction holds a partition.
     */
    private void learnDeadLetterTopic() {
      unlearnt = false;
      try {
        producer.partitionsFor(deadLetterTopic);
      } catch (KafkaException e) {
        log.warn(
            "Could not learn where the dead-letter topic {} is; a dead letter sent from a send's"
                + " callback may wait for it",
            deadLetterTopic,
            e);
      }
    }

    /** The callback, after counting the dead letter once it is kept. */
    private Callback counting(ProducerRecord<byte[], byte[]> letter, Callback callback) {
      Header named = letter.headers().lastHeader(ErrorCounts.STAGE_HEADER);
      String stage =
          named == null || named.value() == null
              ? ErrorCounts.OWN_STAGE
              : new String(named.value(), StandardCharsets.UTF_8);
      return (metadata, exception) -> {
        if (exception == null) {
          acknowledged(stage);
        }
        if (callback != null) {
          callback.onCompletion(metadata, exception);
        }
      };
    }

    private void acknowledged(String stage) {
      if (!transactional) {
        counts.deadLettered(stage);
        return;
      }
      synchronized (lettersInTransaction) {
        lettersInTransaction.add(stage);
      }
    }

    /** The stages of the dead letters acknowledged in the transaction, forgotten here. */
    private List<String> takeLettersInTransaction() {
      synchronized (lettersInTransaction) {
        List<String> taken = List.copyOf(lettersInTransaction);
        lettersInTransaction.clear();
        return taken;
      }
    }

    /**
     * A transactional producer whose send failed fails the sends of the transaction still waiting
     * with the very same exception: those records only shared the transaction, and are said to, as
     * Kafka Streams passes an aborted transaction's records by; the transaction cannot commit
     * either way. (The object alone tells nothing beyond the transaction: the broker's refusal
     * without a message of its own is one exception object for all.)
     */
    private Exception sharedFailure(Exception exception) {
      if (exception == null || !transactional) {
        return exception;
      }
      synchronized (this) {
        if (firstFailure == null) {
          firstFailure = exception;
          return exception;
        }
      }
      return exception == firstFailure
          ? new TransactionAbortedException(
              "Failed with the transaction a record before it failed: " + exception)
          : exception;
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
      return send(record, null);
    }

    @Override
    public void initTransactions() {
      producer.initTransactions();
    }

    @Override
    public void beginTransaction() {
      firstFailure = null;
      takeLettersInTransaction(); // of one aborted, or whose commit failed

      producer.beginTransaction();
    }

    @Override
    public void sendOffsetsToTransaction(
        Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata groupMetadata) {
      producer.sendOffsetsToTransaction(offsets, groupMetadata);
    }

    @Override
    public void commitTransaction() {
      // Every send of the transaction has called back once the commit returns: it flushes first.
      producer.commitTransaction();
      takeLettersInTransaction().forEach(counts::deadLettered);
    }

    @Override
    public void abortTransaction() {
      producer.abortTransaction();
    }

    @Override
    public void registerMetricForSubscription(KafkaMetric metric) {
      producer.registerMetricForSubscription(metric);
    }

    @Override
    public void unregisterMetricFromSubscription(KafkaMetric metric) {
      producer.unregisterMetricFromSubscription(metric);
    }

    @Override
    public void flush() {
      producer.flush();
    }

    @Override
    public List<PartitionInfo> partitionsFor(String topic) {
      return producer.partitionsFor(topic);
    }

    @Override
    public Map<MetricName, ? extends Metric> metrics() {
      return producer.metrics();
    }

    @Override
    public Uuid clientInstanceId(Duration timeout) {
      return producer.clientInstanceId(timeout);
    }

    @Override
    public void close() {
      producer.close();
    }

    @Override
    public void close(Duration timeout) {
      producer.close(timeout);
    }
  }
}
