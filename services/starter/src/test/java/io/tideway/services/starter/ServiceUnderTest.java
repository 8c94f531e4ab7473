package io.tideway.services.starter;

import io.tideway.schemas.registry.SchemaRegistryServer;
import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TestService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;

/**
 * A reference service under test with a schema registry of its own on the test's broker: what each
 * service's integration tests start once per class (shared through this module's test jar).
 */
public final class ServiceUnderTest implements AutoCloseable {

  private final SchemaRegistryServer registry;
  private final String name;
  private final TestKafka kafka;
  private final TestDatabase db;
  private final Map<String, String> settings;
  private TestService service;

  private ServiceUnderTest(
      SchemaRegistryServer registry,
      String name,
      TestKafka kafka,
      TestDatabase db,
      Map<String, String> settings) {
    this.registry = registry;
    this.name = name;
    this.kafka = kafka;
    this.db = db;
    this.settings = settings;
  }

  /**
   * Starts a registry, then the service on the test's database and broker.
   *
   * @param name the service, e.g. {@code order}
   * @param settings more of its settings, as environment variables
   */
  public static ServiceUnderTest start(
      String name, TestKafka kafka, TestDatabase db, Map<String, String> settings)
      throws Exception {
    SchemaRegistryServer registry =
        new SchemaRegistryServer(
            SchemaRegistryServer.Settings.of(kafka.bootstrapServers())
                .withTopic(kafka.topicName("_schemas"))
                .withPort(0));
    registry.start();
    ServiceUnderTest running = new ServiceUnderTest(registry, name, kafka, db, settings);
    try {
      running.service = running.startService();
      return running;
    } catch (Exception | Error e) {
      registry.close();
      throw e;
    }
  }

  /** The service, as last started. */
  public TestService service() {
    return service;
  }

  /**
   * Kills the service with {@code kill -9} and starts it again on the same database, broker,
   * consumer group and port, as a supervisor would after a crash.
   */
  public TestService killAndRestart() throws Exception {
    int port = service.port();
    service.kill();
    service = TestService.start(name, db, registry.url(), kafka, settings, port);
    return service;
  }

  private TestService startService() throws Exception {
    return TestService.start(name, db, registry.url(), kafka, settings);
  }

  /** The registry's URL. */
  public String registryUrl() {
    return registry.url();
  }

  /**
   * The value of a metric in the service's Prometheus page ({@code /actuator/prometheus}): its
   * first series whatever its tags, or 0 when there is none.
   */
  public static double metric(TestService service, String name) {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*})? (\\S+)$")
            .matcher(service.get("/actuator/prometheus").body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  /**
   * The records of a dead-letter topic that are wanted, read from its beginning once there are
   * {@code expected} of them.
   */
  public List<ConsumerRecord<byte[], byte[]>> deadLetters(
      String topic,
      Predicate<ConsumerRecord<byte[], byte[]>> wanted,
      int expected,
      Duration patience) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            kafka.consumerProperties("dlq-reader-" + UUID.randomUUID()),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      Awaitility.await()
          .atMost(patience)
          .until(
              () -> {
                consumer
                    .poll(Duration.ofMillis(200))
                    .forEach(
                        r -> {
                          if (wanted.test(r)) {
                            records.add(r);
                          }
                        });
                return records.size() >= expected;
              });
    }
    return records;
  }

  @Override
  public void close() throws InterruptedException {
    try {
      service.close();
    } finally {
      registry.close();
    }
  }
}
