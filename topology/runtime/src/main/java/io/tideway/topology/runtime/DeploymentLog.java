package io.tideway.topology.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The shapes of the versions deployed, in the compacted topic {@link Topics#DEPLOYMENTS}: every
 * runtime on a cluster reads and writes the same record for an application.
 */
final class DeploymentLog {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final TopicPartition PARTITION = new TopicPartition(Topics.DEPLOYMENTS.name(), 0);

  private final Map<String, Object> clientSettings;
  private final ObjectMapper json = new ObjectMapper();

  /**
   * @param clientSettings the cluster ({@code bootstrap.servers}) and how to reach it
   */
  DeploymentLog(Map<String, Object> clientSettings) {
    this.clientSettings = Map.copyOf(clientSettings);
  }

  /** The shape each application was last deployed with, read to the end of the topic. */
  Map<String, TopologyShape> latest() {
    Properties props = new Properties();
    props.putAll(clientSettings);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Map<String, TopologyShape> shapes = new HashMap<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(PARTITION));
      consumer.seekToBeginning(List.of(PARTITION));
      long end = consumer.endOffsets(List.of(PARTITION), TIMEOUT).get(PARTITION);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (consumer.position(PARTITION, TIMEOUT) < end) {
        if (System.nanoTime() > deadline) {
          throw new DeploymentException(
              "Could not read " + Topics.DEPLOYMENTS.name() + " to its end within " + TIMEOUT);
        }
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.value() == null) {
            shapes.remove(record.key());
          } else {
            shapes.put(record.key(), read(record.value()));
          }
        }
      }
    }
    return shapes;
  }

  /** Records the shape an application now runs with, once the broker has it. */
  void record(String applicationId, TopologyShape shape) {
    try {
      send(applicationId, json.writeValueAsString(shape));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Takes an application's record back, once the broker has it: it is no longer deployed. */
  void forget(String applicationId) {
    send(applicationId, null);
  }

  private void send(String applicationId, String value) {
    Properties props = new Properties();
    props.putAll(clientSettings);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      producer
          .send(new ProducerRecord<>(PARTITION.topic(), applicationId, value))
          .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new DeploymentException(
          "Could not "
              + (value == null ? "remove " : "record ")
              + applicationId
              + " in "
              + PARTITION.topic()
              + ": "
              + e,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeploymentException("Interrupted recording " + applicationId, e);
    }
  }

  private TopologyShape read(String value) {
    try {
      return json.readValue(value, TopologyShape.class);
    } catch (IOException e) {
      throw new DeploymentException(
          "A record of " + PARTITION.topic() + " is not a deployment shape: " + value, e);
    }
  }
}
