package io.tideway.topology.history;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.topology.AvroJson;
import io.tideway.topology.EventHeaders;
import io.tideway.topology.TopologyContext;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Keeps every event of one aggregate type in a history store, for an audit trail: the runtime
 * answers {@code GET /v1/aggregates/{type}/{id}/events} from it, and {@code tideway history <type>
 * <id>} prints it.
 *
 * <pre>{@code
 * KStream<String, SpecificRecord> orders = Deduplicate.byEventId("order-events-dedupe").apply(...);
 * AggregateHistory.record(builder, context, "order", orders);
 * }</pre>
 *
 * <p>The store is {@code <type>-history}, a persistent key-value store keyed by {@code <aggregate
 * id>/<offset>}: the stream must be keyed by aggregate id and read straight from the aggregate's
 * topic (deduplicated, not repartitioned), so all of an aggregate's events come from one partition
 * and their offsets order them as they were published. Recording an event again, as a replay does,
 * writes the same entry. Each entry is an {@link AggregateEvent}: the event's id, type, time, trace
 * context and position, and its payload as JSON.
 */
public final class AggregateHistory {

  /** Offsets are written with this many digits, so keys sort as offsets do. */
  private static final int OFFSET_DIGITS = 19;

  private static final String STORE_SUFFIX = "-history";

  private AggregateHistory() {}

  /** The history store of an aggregate type: {@code <type>-history}. */
  public static String storeName(String aggregateType) {
    return aggregateType + STORE_SUFFIX;
  }

  /** What every history key of one aggregate starts with. */
  public static String keyPrefix(String aggregateId) {
    return aggregateId + "/";
  }

  /**
   * The last key one aggregate's history may hold: its keys run from {@code keyPrefix + "0…0"} to
   * this, and an aggregate whose id is this one's, a {@code /} and a letter sorts outside them.
   */
  public static String lastKey(String aggregateId) {
    return keyPrefix(aggregateId) + "9".repeat(OFFSET_DIGITS);
  }

  /** The first key one aggregate's history may hold. */
  public static String firstKey(String aggregateId) {
    return key(aggregateId, 0);
  }

  /**
   * The key whose partition holds a history entry: its aggregate's id, which the entry's key starts
   * with, as entries are written in the task of the aggregate's events; a key of any other store as
   * it is.
   *
   * @param store the store's name
   * @param key an entry's key, {@code <aggregate id>/<offset>} in a history store
   */
  public static String partitionKey(String store, String key) {
    int slash = key.lastIndexOf('/');
    return store.endsWith(STORE_SUFFIX) && slash > 0 && isOffset(key.substring(slash + 1))
        ? key.substring(0, slash)
        : key;
  }

  /**
   * Whether a key's last part is an entry's offset as history keys hold it: another store named
   * {@code …-history}, keyed {@code sku/42} say, keeps its keys as they are.
   */
  private static boolean isOffset(String text) {
    return text.length() == OFFSET_DIGITS && text.chars().allMatch(c -> c >= '0' && c <= '9');
  }

  /**
   * Records every event of {@code events} in the history of {@code aggregateType}, through a
   * processor named {@code <type>-history-record}.
   *
   * @param events keyed by aggregate id, read from the aggregate's topic
   */
  public static <V extends SpecificRecord> void record(
      StreamsBuilder builder,
      TopologyContext context,
      String aggregateType,
      KStream<String, V> events) {
    String store = storeName(aggregateType);
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(store),
            Serdes.String(),
            context.avroSerde(AggregateEvent.class)));
    events.process(
        () -> new RecordEvent<>(aggregateType, store),
        Named.as(aggregateType + "-history-record"),
        store);
  }

  private static final class RecordEvent<V extends SpecificRecord>
      implements Processor<String, V, Void, Void> {

    private final String aggregateType;
    private final String storeName;
    private final AvroJson json = new AvroJson(new ObjectMapper());
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, AggregateEvent> store;

    RecordEvent(String aggregateType, String storeName) {
      this.aggregateType = aggregateType;
      this.storeName = storeName;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      this.context = context;
      this.store = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, V> record) {
      if (record.key() == null) {
        // No aggregate to file it under; the topology's other processors decide what it means.
        return;
      }
      RecordMetadata source =
          context
              .recordMetadata()
              .orElseThrow(
                  () ->
                      new IllegalStateException("An aggregate's history needs the source record"));
      String eventType = EventHeaders.text(record.headers(), EventHeaders.EVENT_TYPE);
      if (eventType == null && record.value() != null) {
        eventType = record.value().getSchema().getName();
      }
      long occurredAt = EventHeaders.occurredAt(record.headers());
      AggregateEvent event =
          new AggregateEvent(
              aggregateType,
              record.key(),
              EventHeaders.eventId(record.headers()),
              eventType,
              occurredAt < 0 ? null : Instant.ofEpochMilli(occurredAt),
              EventHeaders.text(record.headers(), EventHeaders.TRACEPARENT),
              source.topic(),
              source.partition(),
              source.offset(),
              json.text(record.value()));
      store.put(key(record.key(), source.offset()), event);
    }
  }

  static String key(String aggregateId, long offset) {
    String digits = Long.toString(offset);
    return keyPrefix(aggregateId) + "0".repeat(OFFSET_DIGITS - digits.length()) + digits;
  }
}
