package io.tideway.topology.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clients of a Kafka Streams client made only to see that it can be, made as Kafka's own
 * supplier makes them, and every one closed at the end: a Kafka Streams constructor that fails
 * part-way closes none of those it made, and their threads would run for as long as the runtime.
 */
final class TrialClients implements KafkaClientSupplier, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TrialClients.class);

  private final List<AutoCloseable> made = new ArrayList<>();

  @Override
  public Admin getAdmin(Map<String, Object> config) {
    return made(Admin.create(config));
  }

  @Override
  public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
    return made(new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()));
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

  private Consumer<byte[], byte[]> consumer(Map<String, Object> config) {
    return made(
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
  }

  private synchronized <T extends AutoCloseable> T made(T client) {
    made.add(client);
    return client;
  }

  /** Closes every client made; closing one the Kafka Streams client closed already is harmless. */
  @Override
  public synchronized void close() {
    for (AutoCloseable client : made) {
      try {
        client.close();
      } catch (Exception e) {
        log.warn("Could not close a client of a trial: {}", e.toString());
      }
    }
    made.clear();
  }
}
