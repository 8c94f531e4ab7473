package io.tideway.loadtest;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;

/** How the scenarios' producers are configured unless told otherwise. */
public final class ProducerSettings {

  /**
   * Durable and ordered (all acknowledgements, idempotence on), batching briefly (5 ms linger, 64
   * KiB batches) as a throughput-minded service would.
   */
  public static final Map<String, String> DEFAULTS = defaults();

  private ProducerSettings() {}

  /** The defaults with {@code overrides} on top, in a stable order for reports. */
  public static Map<String, String> withOverrides(Map<String, String> overrides) {
    Map<String, String> settings = new LinkedHashMap<>(DEFAULTS);
    settings.putAll(overrides);
    return settings;
  }

  private static Map<String, String> defaults() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put(ProducerConfig.ACKS_CONFIG, "all");
    settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    settings.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    settings.put(ProducerConfig.BATCH_SIZE_CONFIG, "65536");
    return Collections.unmodifiableMap(settings);
  }
}
