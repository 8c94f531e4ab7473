package io.tideway.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tideway.fixtures.Balances;
import io.tideway.fixtures.StockLevels;
import io.tideway.testkit.SecuredKafka;
import io.tideway.topology.DeploymentContext;
import io.tideway.topology.EventHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runtime on a cluster that lets only authenticated clients in, reached with the client settings
 * it is given: its own clients (the deployment log, the admin client), its deployments' and Kafka's
 * reset tool all log in. The broker is the test's own; the test writes through a plaintext listener
 * beside the secured one.
 */
class SecuredClusterIT {

  private static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir Path dir;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void deploysAndResetsOnAClusterThatRequiresAuthentication() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    System.setProperty(StockLevels.RUN_PROPERTY, run);
    String ledger = "ledger-" + run;
    try (SecuredKafka kafka = SecuredKafka.start(dir.resolve("kafka"), "runtime", Map.of())) {
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.plaintextBootstrap()))) {
        admin.createTopics(List.of(new NewTopic(ledger, 3, (short) 1))).all().get();
      }
      RuntimeSettings settings =
          RuntimeSettings.of(kafka.saslBootstrap(), dir.resolve("state"))
              .withKafkaClientSettings(kafka.clientSettings())
              .withDeploymentDefaults(
                  Map.of(DeploymentContext.TOPIC_RENAME_PREFIX + "ledger", ledger));
      Map<String, Long> expected = post(kafka, ledger);
      try (TopologyRuntime runtime =
          TopologyRuntime.start(settings, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
        runtime.deploy(
            FixtureJars.jar(dir, "balances.jar", List.of(Balances.class)),
            Map.of(),
            1,
            false,
            false);
        RuntimeClient client = new RuntimeClient(runtime.url());
        await()
            .atMost(WAIT)
            .ignoreExceptions()
            .untilAsserted(() -> assertThat(TwoInstancesIT.scanAll(client)).isEqualTo(expected));

        // Kafka's reset tool deletes the store's changelog through the secured listener too.
        runtime.reset("balances", null, false);

        await()
            .atMost(WAIT)
            .ignoreExceptions()
            .untilAsserted(() -> assertThat(TwoInstancesIT.scanAll(client)).isEqualTo(expected));
        assertThat(runtime.deployments().get(0).state()).isEqualTo("RUNNING");
      }
    } finally {
      System.clearProperty(StockLevels.RUN_PROPERTY);
    }
  }

  /** Postings to twenty accounts; what each account's balance comes to. */
  private static Map<String, Long> post(SecuredKafka kafka, String ledger) {
    Map<String, Long> expected = new TreeMap<>();
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.plaintextBootstrap());
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      for (int i = 0; i < 200; i++) {
        String account = "account-" + i % 20;
        ProducerRecord<String, String> record =
            new ProducerRecord<>(ledger, account, Integer.toString(i));
        record
            .headers()
            .add(EventHeaders.ID, UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        producer.send(record);
        expected.merge(account, (long) i, Long::sum);
      }
    }
    return expected;
  }
}
