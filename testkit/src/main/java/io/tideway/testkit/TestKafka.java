package io.tideway.testkit;

import io.tideway.deploy.embedded.EmbeddedKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;

/**
 * The shared broker as one test sees it: topics created through it carry a suffix unique to the
 * test, so tests never read each other's records, and are deleted when the test ends.
 */
public final class TestKafka implements AutoCloseable {

  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

  private final EmbeddedKafka broker;
  private final String suffix = UUID.randomUUID().toString().substring(0, 8);
  private final List<String> created = new ArrayList<>();
  private Admin admin;

  TestKafka(EmbeddedKafka broker) {
    this.broker = broker;
  }

  /** The broker's address, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** The name this test uses for a topic: {@code baseName} with a suffix unique to the test. */
  public String topicName(String baseName) {
    return baseName + "." + suffix;
  }

  /**
   * Creates a topic for this test and returns its name.
   *
   * @param baseName the name without the test's suffix, e.g. {@code order.events}
   * @param partitions how many partitions
   * @return the created topic's full name
   */
  public String createTopic(String baseName, int partitions) {
    return createTopic(baseName, partitions, Map.of());
  }

  /**
   * Creates a topic for this test with topic-level settings (e.g. {@code cleanup.policy=compact}).
   *
   * @return the created topic's full name
   */
  public synchronized String createTopic(
      String baseName, int partitions, Map<String, String> settings) {
    String name = topicName(baseName);
    NewTopic topic = new NewTopic(name, partitions, (short) 1).configs(settings);
    await(admin().createTopics(List.of(topic)).all(), "create topic " + name);
    created.add(name);
    awaitListed(name);
    return name;
  }

  /**
   * Waits until the broker lists a topic: the controller has it once created, the broker's
   * metadata, which clients read, a moment later.
   */
  private void awaitListed(String name) {
    long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
    try {
      while (!admin()
          .listTopics()
          .names()
          .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .contains(name)) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("The broker did not list the topic " + name + " in time");
        }
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for topic " + name, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Could not list the topics to see " + name, e);
    }
  }

  /**
   * Changes one topic-level setting of a topic, e.g. {@code max.message.bytes}, as an operator
   * would while the topic is in use.
   *
   * @param topic the topic's full name
   */
  public synchronized void setTopicConfig(String topic, String name, String value) {
    AlterConfigOp set = new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET);
    await(
        admin()
            .incrementalAlterConfigs(
                Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(set)))
            .all(),
        "set " + name + " of topic " + topic);
  }

  /** An admin client on the broker, closed when the test ends. */
  public synchronized Admin admin() {
    if (admin == null) {
      Properties props = new Properties();
      props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
      admin = Admin.create(props);
    }
    return admin;
  }

  /** Producer settings: this broker, all acknowledgements, idempotence on. */
  public Properties producerProperties() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    return props;
  }

  /**
   * Consumer settings: this broker, a consumer group unique to the test, reading from the earliest
   * offset and only committed transactional records.
   */
  public Properties consumerProperties(String groupBaseName) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, topicName(groupBaseName));
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return props;
  }

  EmbeddedKafka broker() {
    return broker;
  }

  /** Deletes the topics this test created. */
  @Override
  public synchronized void close() {
    if (admin == null) {
      return;
    }
    try {
      if (!created.isEmpty()) {
        await(admin.deleteTopics(created).all(), "delete topics " + created);
      }
    } finally {
      admin.close(ADMIN_TIMEOUT);
      admin = null;
    }
  }

  private static void await(KafkaFuture<Void> future, String what) {
    try {
      future.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while trying to " + what, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Could not " + what, e);
    }
  }
}
