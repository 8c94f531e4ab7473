package io.tideway.topology.runtime;

import io.tideway.topology.runtime.errors.ErrorCounts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaClientSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clients of a Kafka Streams client made only to see that it can be, made as the runtime's
 * deployments make them ({@link ResultTracingClients}), and every one closed at the end: a Kafka
 * Streams constructor that fails part-way closes none of those it made, and their threads would run
 * for as long as the runtime.
 */
final class TrialClients implements KafkaClientSupplier, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TrialClients.class);

  private final List<AutoCloseable> made = new ArrayList<>();

  private final KafkaClientSupplier clients =
      new ResultTracingClients(null, null, ErrorCounts.NONE);

  @Override
  public Admin getAdmin(Map<String, Object> config) {
    return made(clients.getAdmin(config));
  }

  @Override
  public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
    return made(clients.getProducer(config));
  }

  @Override
  public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
    return made(clients.getConsumer(config));
  }

  @Override
  public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
    return made(clients.getRestoreConsumer(config));
  }

  @Override
  public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
    return made(clients.getGlobalConsumer(config));
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
