package io.tideway.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tideway.deploy.embedded.EmbeddedKafka;
import io.tideway.deploy.embedded.LoopbackPorts;
import io.tideway.fixtures.Balances;
import io.tideway.fixtures.StockLevels;
import io.tideway.topology.DeploymentContext;
import io.tideway.topology.EventHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
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
 * The broker stopped and started again under a running deployment while postings keep coming, some
 * of them twice: the read model ends exact — nothing lost, nothing counted twice — and the
 * deployment runs again without a hand on it. The test stops a broker of its own, not the test
 * kit's, which other tests share.
 */
class BrokerRestartIT {

  private static final Duration BROKER_START = Duration.ofSeconds(90);
  private static final Duration WAIT = Duration.ofSeconds(180);
  private static final Duration OUTAGE = Duration.ofSeconds(15);
  private static final int ACCOUNTS = 20;
  private static final int POSTINGS_PER_PHASE = 500;

  @TempDir Path dir;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aBrokerRestartedUnderLoadLeavesAnExactReadModel() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    System.setProperty(StockLevels.RUN_PROPERTY, run);
    EmbeddedKafka broker =
        new EmbeddedKafka(
            dir.resolve("kafka"), LoopbackPorts.pickFree(), LoopbackPorts.pickFree(), Map.of());
    broker.start(BROKER_START);
    try {
      String ledger = "ledger-" + run;
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic(ledger, 6, (short) 1))).all().get();
      }
      RuntimeSettings settings =
          RuntimeSettings.of(broker.bootstrapServers(), dir.resolve("state"))
              .withDeploymentDefaults(
                  Map.of(DeploymentContext.TOPIC_RENAME_PREFIX + "ledger", ledger));
      Map<String, Long> expected = new TreeMap<>();
      Random random = new Random(7);
      try (TopologyRuntime runtime =
              TopologyRuntime.start(
                  settings, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
          KafkaProducer<String, String> producer = producer(broker)) {
        runtime.deploy(
            FixtureJars.jar(dir, "balances.jar", List.of(Balances.class)),
            Map.of(),
            1,
            false,
            false);
        RuntimeClient client = new RuntimeClient(runtime.url());

        post(producer, ledger, random, expected);
        producer.flush();
        // Stopped as soon as the postings are being processed, so a transaction is likely open.
        await()
            .atMost(WAIT)
            .ignoreExceptions()
            .until(() -> !TwoInstancesIT.scanAll(client).isEmpty());
        broker.close();
        Thread.sleep(OUTAGE.toMillis());
        broker.start(BROKER_START);
        post(producer, ledger, random, expected);
        producer.flush();

        await()
            .atMost(WAIT)
            .ignoreExceptions()
            .untilAsserted(() -> assertThat(TwoInstancesIT.scanAll(client)).isEqualTo(expected));
        await().atMost(WAIT).until(() -> runtime.deployments().get(0).state().equals("RUNNING"));
      }
    } finally {
      broker.close();
      System.clearProperty(StockLevels.RUN_PROPERTY);
    }
  }

  /** One phase of postings, a tenth of them sent twice as the relay may deliver them. */
  private static void post(
      KafkaProducer<String, String> producer,
      String ledger,
      Random random,
      Map<String, Long> expected) {
    for (int i = 0; i < POSTINGS_PER_PHASE; i++) {
      String account = "account-" + random.nextInt(ACCOUNTS);
      long amount = 1 + random.nextInt(100);
      String id = UUID.randomUUID().toString();
      expected.merge(account, amount, Long::sum);
      int copies = random.nextInt(10) == 0 ? 2 : 1;
      for (int copy = 0; copy < copies; copy++) {
        ProducerRecord<String, String> record =
            new ProducerRecord<>(ledger, account, Long.toString(amount));
        record.headers().add(EventHeaders.ID, id.getBytes(StandardCharsets.UTF_8));
        producer.send(record);
      }
    }
  }

  private static KafkaProducer<String, String> producer(EmbeddedKafka broker) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    return new KafkaProducer<>(props);
  }
}
