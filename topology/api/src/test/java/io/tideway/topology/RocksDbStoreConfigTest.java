package io.tideway.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rocksdb.Options;

class RocksDbStoreConfigTest {

  @Test
  void everyStoreFiltersItsMemtablesByWholeKey() {
    try (Options options = new Options()) {
      assertThat(options.memtableWholeKeyFiltering()).isFalse();

      new RocksDbStoreConfig().setConfig("any-store", options, Map.of());

      assertThat(options.memtableWholeKeyFiltering()).isTrue();
      assertThat(options.memtablePrefixBloomSizeRatio())
          .isEqualTo(RocksDbStoreConfig.MEMTABLE_BLOOM_RATIO);
    }
  }
}
