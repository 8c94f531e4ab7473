package io.tideway.outbox.relay;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Holds the sends to one topic while a test says so, as a broker gone holds them: given to every
 * Kafka client of the relay, it holds Debezium's offset store on its offsets topic. A consumer
 * interceptor too, as the offset store's consumer is given the same settings; it passes everything.
 */
public final class HeldOffsets
    implements ProducerInterceptor<Object, Object>, ConsumerInterceptor<Object, Object> {

  private static volatile String heldTopic;
  private static volatile CountDownLatch released = new CountDownLatch(0);
  private static volatile boolean holding;

  /** Holds every send to {@code topic} from now on, until {@link #release}. */
  static void hold(String topic) {
    released = new CountDownLatch(1);
    heldTopic = topic;
  }

  /** Whether a send is being held now. */
  static boolean holding() {
    return holding;
  }

  static void release() {
    heldTopic = null;
    released.countDown();
  }

  @Override
  public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
    if (record.topic().equals(heldTopic)) {
      holding = true;
      try {
        released.await(2, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        holding = false;
      }
    }
    return record;
  }

  @Override
  public void onAcknowledgement(RecordMetadata metadata, Exception exception) {}

  @Override
  public ConsumerRecords<Object, Object> onConsume(ConsumerRecords<Object, Object> records) {
    return records;
  }

  @Override
  public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

  @Override
  public void close() {}

  @Override
  public void configure(Map<String, ?> configs) {}
}
