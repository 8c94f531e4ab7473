package io.tideway.topology.runtime;

import io.tideway.topology.ResultInputs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

/**
 * Kafka's own clients, but for a producer that notes with each send the input record its result
 * came from ({@link ResultInputs#processing}) and names it again while the send's callback runs:
 * what the production handler needs when the broker refuses a result after the task went on.
 */
final class ResultTracingClients implements KafkaClientSupplier {

  @Override
  public Admin getAdmin(Map<String, Object> config) {
    return Admin.create(config);
  }

  @Override
  public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
    return new TracingProducer(
        new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()));
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

  private static Consumer<byte[], byte[]> consumer(Map<String, Object> config) {
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Delegates everything; a send's callback runs with the input of its result named. */
  private record TracingProducer(Producer<byte[], byte[]> producer)
      implements Producer<byte[], byte[]> {

    @Override
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
      ResultInputs.Input input = ResultInputs.processing();
      if (input == null || callback == null) {
        return producer.send(record, callback);
      }
      return producer.send(
          record,
          (metadata, exception) ->
              ResultInputs.completing(input, () -> callback.onCompletion(metadata, exception)));
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
      return producer.send(record);
    }

    @Override
    public void initTransactions() {
      producer.initTransactions();
    }

    @Override
    public void beginTransaction() {
      producer.beginTransaction();
    }

    @Override
    public void sendOffsetsToTransaction(
        Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata groupMetadata) {
      producer.sendOffsetsToTransaction(offsets, groupMetadata);
    }

    @Override
    public void commitTransaction() {
      producer.commitTransaction();
    }

    @Override
    public void abortTransaction() {
      producer.abortTransaction();
    }

    @Override
    public void registerMetricForSubscription(KafkaMetric metric) {
      producer.registerMetricForSubscription(metric);
    }

    @Override
    public void unregisterMetricFromSubscription(KafkaMetric metric) {
      producer.unregisterMetricFromSubscription(metric);
    }

    @Override
    public void flush() {
      producer.flush();
    }

    @Override
    public List<PartitionInfo> partitionsFor(String topic) {
      return producer.partitionsFor(topic);
    }

    @Override
    public Map<MetricName, ? extends Metric> metrics() {
      return producer.metrics();
    }

    @Override
    public Uuid clientInstanceId(Duration timeout) {
      return producer.clientInstanceId(timeout);
    }

    @Override
    public void close() {
      producer.close();
    }

    @Override
    public void close(Duration timeout) {
      producer.close(timeout);
    }
  }
}
