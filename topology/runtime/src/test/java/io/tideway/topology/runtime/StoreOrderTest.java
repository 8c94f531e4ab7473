package io.tideway.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

/** Scans merge pages from several stores in the order the stores keep their keys. */
class StoreOrderTest {

  @Test
  void shouldOrderKeysAsTheirUtf8BytesDoNotAsJavaStringsDo() {
    String emoji = "key-\uD83D\uDE00"; // U+1F600, beyond U+FFFF
    String fullwidth = "key-\uFF01";
    assertThat(emoji.compareTo(fullwidth)).as("Java's order").isNegative();

    List<String> keys = Arrays.asList(emoji, fullwidth, "key-", "key-a", "key-\uFF01a");
    keys.sort(StoreQueries.STORE_ORDER);
    List<String> byBytes = Arrays.asList(emoji, fullwidth, "key-", "key-a", "key-\uFF01a");
    byBytes.sort(
        (a, b) ->
            Bytes.BYTES_LEXICO_COMPARATOR.compare(
                a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));

    assertThat(keys).containsExactlyElementsOf(byBytes);
    assertThat(keys).containsExactly("key-", "key-a", fullwidth, "key-\uFF01a", emoji);
  }
}
