package io.tideway.topology;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.Options;

/**
 * The platform's RocksDB settings for every persistent store, on top of Kafka Streams' own: a bloom
 * filter over the whole key in each memtable, so a lookup of a key the store does not hold skips
 * the memtables' skip lists as it already skips the files on disk.
 *
 * <p>Most lookups of event-driven read models miss: {@link io.tideway.topology.dedupe.Deduplicate}
 * looks up every event id once, nearly always absent, and a projection looks up every aggregate it
 * has not seen yet. Without the filter each miss searches up to three memtables of 16 MiB. The
 * filter costs a tenth of the memtable's size in memory.
 *
 * <p>The topology runtime sets it ({@code rocksdb.config.setter}) unless a deployment's settings
 * name another; a topology run outside the runtime can set it the same way.
 */
public final class RocksDbStoreConfig implements RocksDBConfigSetter {

  /** The filter's share of a memtable's size. */
  static final double MEMTABLE_BLOOM_RATIO = 0.1;

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    options.setMemtableWholeKeyFiltering(true);
    options.setMemtablePrefixBloomSizeRatio(MEMTABLE_BLOOM_RATIO);
  }

  @Override
  public void close(String storeName, Options options) {
    // Nothing allocated: the settings are plain values of options that Streams closes.
  }
}
