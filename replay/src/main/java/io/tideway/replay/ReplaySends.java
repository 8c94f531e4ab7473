package io.tideway.replay;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends asynchronously and remembers the first failure, so the read loop can stop at the next batch
 * instead of waiting on every record. Once a send has failed nothing more is sent, but what the
 * producer still holds is written at close: records read before the failed one, which a run again
 * from it would not write, and perhaps some after it, which it would write twice (the failure says
 * so). The producer is made at the first send, so a dry run never asks the broker for a producer
 * id.
 */
final class ReplaySends implements AutoCloseable {

  private final Supplier<KafkaProducer<byte[], byte[]>> producers;
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
  private KafkaProducer<byte[], byte[]> producer;

  ReplaySends(Supplier<KafkaProducer<byte[], byte[]>> producers) {
    this.producers = producers;
  }

  /**
   * Sends a record, unless an earlier send failed: then fails with that.
   *
   * @param origin where the record was read, e.g. {@code orders-2@345}, for the error message
   */
  void send(ProducerRecord<byte[], byte[]> record, String origin) {
    checkFailures();
    if (producer == null) {
      producer = producers.get();
    }
    producer.send(
        record,
        (metadata, e) -> {
          if (e != null) {
            failure.compareAndSet(
                null,
                new IllegalStateException(
                    "Could not write "
                        + origin
                        + " to "
                        + record.topic()
                        + ": "
                        + e
                        + ". Records read before it were sent, and some after it may have been"
                        + " written too; a run again from "
                        + origin
                        + " may write those twice",
                    e));
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
    if (producer != null) {
      producer.flush();
    }
    checkFailures();
  }

  /** Closes the producer once it has written what it holds, or its timeout has passed. */
  @Override
  public void close() {
    if (producer != null) {
      producer.close(ReplayClients.TIMEOUT);
    }
  }
}
