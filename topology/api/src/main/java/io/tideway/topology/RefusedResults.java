package io.tideway.topology;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.processor.TaskId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Input records whose results Kafka refused for good (too large, invalid) under exactly-once. There
 * a refused send dooms the whole transaction: the task restarts from its last commit and would
 * produce the same result again, for ever. The runtime's production handler remembers the input
 * instead and fails the stream thread; when the input is read again, {@link ObservedProcessors}
 * refuses it in every processor its source forwards it to, before they run, and the processing
 * handler sends it to the dead-letter topic, so the records after it pass. A result sent with no
 * input ({@link ResultInputs#NO_INPUT}: a punctuator's) is remembered itself ({@link
 * #rememberResult}); sent again after the restart, the runtime's producer hands it back refused
 * ({@link #refusedAgain}) and the handler dead-letters the result in its place, with {@value
 * #DESTINATION_HEADER}. An input that failed once its processing had ended (a result the broker
 * refused under at-least-once, a cached update that failed when flushed) is dead-lettered at once,
 * and noted here for deduplication to take it again ({@link #failedAfterProcessing}). The runtime
 * passes one per deployment under {@link #CONFIG}.
 */
public final class RefusedResults {

  private static final Logger log = LoggerFactory.getLogger(RefusedResults.class);

  /** The setting the runtime passes its refused results under (an object, not a string). */
  public static final String CONFIG = "tideway.refused.results";

  /**
   * The header of a dead-lettered result that had no input (a punctuator's), naming the topic it
   * was for: {@code tideway replay dlq} sends it there.
   */
  public static final String DESTINATION_HEADER = "tideway.result.destination";

  /**
   * The header of a dead-lettered result without an input that was sent to a partition of its own
   * choosing (a custom partitioner's), naming it: a re-drive sends it there.
   */
  public static final String PARTITION_HEADER = "tideway.result.partition";

  /**
   * More are not kept. Each is kept while its deployment runs, as every branch the input goes to
   * must refuse it; a reset or a rebuild starts a deployment with none.
   */
  private static final int KEPT = 1_000;

  private final Map<String, String> refused =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
          return size() > KEPT;
        }
      };

  /** Whether none are kept: every record is checked, and nearly always none are. */
  private volatile boolean none = true;

  /** Refused results without an input, by {@link #resultKey}: what Kafka said of each. */
  private final Map<String, Exception> results =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Exception> eldest) {
          return size() > KEPT;
        }
      };

  /** Whether no results are kept: every send outside processing is checked. */
  private volatile boolean noResults = true;

  /** The topics of the results kept, for the sends to other topics to pass at once. */
  private final Set<String> resultTopics = ConcurrentHashMap.newKeySet();

  /** By task, the readers of the inputs that failed once processed. */
  private final Map<TaskId, List<Reader>> readers = new HashMap<>();

  /** By task, what its readers left untaken when they closed, for its next reader here. */
  private final Map<TaskId, Set<String>> untaken = new HashMap<>();

  private volatile boolean noneAfterProcessing = true;

  /** The refused results a Kafka Streams configuration carries under {@link #CONFIG}, or null. */
  public static RefusedResults in(Map<String, ?> configs) {
    return configs.get(CONFIG) instanceof RefusedResults results ? results : null;
  }

  /**
   * Remembers that a result of an input record was refused. Kafka Streams hands the handler the
   * first failure of a transaction only, and the runtime's producer says of the sends that failed
   * with it that they only shared the transaction (the exception object tells nothing more: the
   * broker's refusal without a message of its own is one object for every record). A result with no
   * input is remembered by {@link #rememberResult} instead.
   *
   * @param refusal what Kafka said, for the dead letter
   * @return whether it was remembered
   */
  public synchronized boolean remember(
      String topic, int partition, long offset, Exception refusal) {
    if (topic == null || offset < 0) {
      return false;
    }
    refused.put(key(topic, partition, offset), refusal.toString());
    none = false;
    return true;
  }

  /**
   * Remembers a result sent with no input (a punctuator's) that Kafka refused. A punctuator sends
   * it again after the restart, from the state of the last commit; it is known again by its topic,
   * key and {@code id} header (its value may differ: a punctuator may write the time into it), or,
   * without an {@code id}, by its topic, key and value; and {@link #refusedAgain} hands it back for
   * as long as the deployment runs, as the transaction that carries its dead letter may fail too,
   * for another result.
   *
   * @param refusal what Kafka said, for the dead letter
   */
  public synchronized void rememberResult(
      ProducerRecord<byte[], byte[]> result, Exception refusal) {
    results.put(resultKey(result), refusal);
    resultTopics.add(result.topic());
    noResults = false;
  }

  /**
   * The refusal of a result remembered by {@link #rememberResult}, if this is it sent again; else
   * null. The runtime's producer fails the send with it instead of sending: the transaction stays
   * whole, and the handler dead-letters the result.
   */
  public RefusedResultException refusedAgain(ProducerRecord<byte[], byte[]> result) {
    if (noResults || !resultTopics.contains(result.topic())) {
      return null;
    }
    String key = resultKey(result);
    Exception refusal;
    synchronized (this) {
      refusal = results.get(key);
    }
    return refusal == null
        ? null
        : new RefusedResultException(
            "Kafka refused this result when it was last sent, which failed the transaction: "
                + refusal);
  }

  private static String resultKey(ProducerRecord<byte[], byte[]> result) {
    Header id = result.headers().lastHeader(EventHeaders.ID);
    String identity =
        id != null && id.value() != null
            ? "id:" + HexFormat.of().formatHex(id.value())
            : "value:" + (result.value() == null ? "-" : sha256(result.value()));
    return result.topic()
        + '\n'
        + (result.key() == null ? "-" : HexFormat.of().formatHex(result.key()))
        + '\n'
        + identity;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java platform has SHA-256", e);
    }
  }

  /**
   * Why an input record's result was refused; null when it was not.
   *
   * @return what Kafka said of its result, or null
   */
  String refusal(String topic, int partition, long offset) {
    if (none) {
      return null;
    }
    synchronized (this) {
      return refused.get(key(topic, partition, offset));
    }
  }

  private static String key(String topic, int partition, long offset) {
    return topic + '-' + partition + '@' + offset;
  }

  /**
   * Notes an input that failed after its processing had ended, for the readers of its task ({@link
   * #readerFor}): a result the broker refused once the task had gone on (under at-least-once), or
   * an update a store's cache held that failed further down when the cache flushed it. {@link
   * io.tideway.topology.dedupe.Deduplicate}, which remembered the input's id as done, takes it
   * again when it is re-driven from its dead letter. Nothing is noted for a task without readers.
   *
   * @param task the task that processed the input
   * @param eventId the input's {@code id} header; nothing is noted for null
   */
  public synchronized void failedAfterProcessing(TaskId task, String eventId) {
    List<Reader> readers = readers(task);
    if (eventId == null || readers.isEmpty()) {
      return;
    }
    for (Reader reader : readers) {
      reader.note(eventId);
    }
  }

  /** A reader of the inputs {@link #failedAfterProcessing} notes for a task from now on. */
  public synchronized Reader readerFor(TaskId task) {
    Reader reader = new Reader(task);
    // What a reader of this task left untaken when it closed: a failure in the flush of the task's
    // caches as it closed (a rebalance, a stop) comes after the operator's last record.
    Set<String> left = untaken.remove(task);
    if (left != null) {
      left.forEach(reader::note);
    }
    readers.computeIfAbsent(task, t -> new ArrayList<>()).add(reader);
    return reader;
  }

  private List<Reader> readers(TaskId task) {
    return readers.getOrDefault(task, List.of());
  }

  /** Whether no reader has an id to take, after one took its own or left. */
  private void recountNone() {
    noneAfterProcessing =
        readers.values().stream().flatMap(List::stream).allMatch(reader -> reader.ids.isEmpty());
  }

  /**
   * The ids of the inputs of one task that failed after their processing ended, as one reader in
   * that task takes them. Kept in memory only: a runtime stopped, or the task moved to another
   * instance, before a reader of the task here takes them, forgets them.
   */
  public final class Reader implements AutoCloseable {

    private final TaskId task;

    /** Guarded by the enclosing {@link RefusedResults}. */
    private final Set<String> ids = new LinkedHashSet<>();

    private Reader(TaskId task) {
      this.task = task;
    }

    /** Takes the ids noted since the last take; nearly always none. */
    public List<String> take() {
      if (noneAfterProcessing) {
        return List.of();
      }
      synchronized (RefusedResults.this) {
        List<String> taken = List.copyOf(ids);
        ids.clear();
        recountNone();
        return taken;
      }
    }

    /** Notes an id; guarded by the enclosing {@link RefusedResults}. */
    private void note(String eventId) {
      if (ids.size() < KEPT) {
        ids.add(eventId);
        noneAfterProcessing = false;
      } else {
        log.warn(
            "More than {} inputs of task {} failed after their processing: {} is not noted, and"
                + " deduplication drops its re-drive as a duplicate",
            KEPT,
            task,
            eventId);
      }
    }

    /**
     * Stops noting ids for this reader. Those it did not take go to the task's next reader here
     * (the last reader of the task's operator keeps them).
     */
    @Override
    public void close() {
      synchronized (RefusedResults.this) {
        List<Reader> ofTask = readers.get(task);
        if (ofTask != null) {
          ofTask.remove(this);
          if (ofTask.isEmpty()) {
            readers.remove(task);
          }
        }
        if (!ids.isEmpty()) {
          untaken.computeIfAbsent(task, t -> new LinkedHashSet<>()).addAll(ids);
          ids.clear();
        }
        recountNone();
      }
    }
  }

  /** The failure an input record with a refused result is dead-lettered with. */
  public static final class RefusedResultException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    RefusedResultException(String message) {
      super(message);
    }
  }
}
