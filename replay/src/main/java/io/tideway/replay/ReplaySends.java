package io.tideway.replay;

import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends asynchronously and remembers the first failure, so the read loop can stop at the next batch
 * instead of waiting on every record.
 */
final class ReplaySends implements AutoCloseable {

  private final KafkaProducer<byte[], byte[]> producer;
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

  ReplaySends(KafkaProducer<byte[], byte[]> producer) {
    this.producer = producer;
  }

  /**
   * Sends a record.
   *
   * @param origin where the record was read, e.g. {@code orders-2@345}, for the error message
   */
  void send(ProducerRecord<byte[], byte[]> record, String origin) {
    producer.send(
        record,
        (metadata, e) -> {
          if (e != null) {
            failure.compareAndSet(
                null,
                new IllegalStateException(
                    "Could not write " + origin + " to " + record.topic() + ": " + e, e));
          }
        });
  }

  /** Fails with the first send that failed, if one did. */
  void checkFailures() {
    RuntimeException e = failure.get();
    if (e != null) {
      throw e;
    }
  }

  /** Waits for every send, then fails if any failed. */
  void flush() {
    producer.flush();
    checkFailures();
  }

  @Override
  public void close() {
    producer.close(ReplayClients.TIMEOUT);
  }
}
