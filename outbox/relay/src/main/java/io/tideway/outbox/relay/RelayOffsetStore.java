package io.tideway.outbox.relay;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.KafkaOffsetBackingStore;
import org.apache.kafka.connect.util.SharedTopicAdmin;

/**
 * Debezium's offsets in a Kafka topic, as Kafka Connect stores them (JSON keys without schemas, the
 * format Debezium's own Kafka offset store uses, so either reads the other's offsets). It exists
 * because the engine's built-in Kafka store never closes the admin client it opens, and the relay
 * restarts engines: each restart would leave one more client behind. This one closes its own when
 * the engine stops it.
 *
 * <p>Public only because the engine creates it by name ({@code offset.storage}); not an API.
 */
public final class RelayOffsetStore extends KafkaOffsetBackingStore {

  private final AtomicReference<SharedTopicAdmin> admin;

  /** Called by the engine. */
  public RelayOffsetStore() {
    this(new AtomicReference<>());
  }

  private RelayOffsetStore(AtomicReference<SharedTopicAdmin> admin) {
    super(() -> admin.get().get(), () -> "tideway-relay", keyConverter());
    this.admin = admin;
  }

  private static JsonConverter keyConverter() {
    JsonConverter converter = new JsonConverter();
    converter.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), true);
    return converter;
  }

  @Override
  public void configure(WorkerConfig config) {
    Map<String, Object> adminConfig = config.originals();
    adminConfig.put(AdminClientConfig.CLIENT_ID_CONFIG, "tideway-relay-offsets");
    admin.set(new SharedTopicAdmin(adminConfig));
    super.configure(config);
  }

  @Override
  public void stop() {
    try {
      super.stop();
    } finally {
      SharedTopicAdmin current = admin.getAndSet(null);
      if (current != null) {
        current.close();
      }
    }
  }
}
