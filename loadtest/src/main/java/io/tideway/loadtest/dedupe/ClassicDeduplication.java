package io.tideway.loadtest.dedupe;

import io.tideway.topology.EventHeaders;
import java.time.Duration;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The peer baseline: deduplication as Kafka Streams' own example writes it, a window store of event
 * ids with, per record, a {@code fetch} over the retention and a {@code put}. Same retention as
 * ours, so both keep the same ids.
 */
final class ClassicDeduplication<K, V> implements FixedKeyProcessorSupplier<K, V, V> {

  private final String storeName;
  private final Duration retention;

  ClassicDeduplication(String storeName, Duration retention) {
    this.storeName = storeName;
    this.retention = retention;
  }

  @Override
  public FixedKeyProcessor<K, V, V> get() {
    return new FixedKeyProcessor<>() {
      private FixedKeyProcessorContext<K, V> context;
      private WindowStore<String, Long> ids;

      @Override
      public void init(FixedKeyProcessorContext<K, V> context) {
        this.context = context;
        this.ids = context.getStateStore(storeName);
      }

      @Override
      public void process(FixedKeyRecord<K, V> record) {
        String id = EventHeaders.eventId(record.headers());
        long time = record.timestamp();
        boolean seen;
        try (WindowStoreIterator<Long> earlier =
            ids.fetch(id, time - retention.toMillis(), time + retention.toMillis())) {
          seen = earlier.hasNext();
        }
        if (!seen) {
          ids.put(id, time, time);
          context.forward(record);
        }
      }
    };
  }

  @Override
  public Set<StoreBuilder<?>> stores() {
    return Set.of(
        Stores.windowStoreBuilder(
                Stores.persistentWindowStore(storeName, retention, retention, false),
                Serdes.String(),
                Serdes.Long())
            .withCachingEnabled());
  }
}
