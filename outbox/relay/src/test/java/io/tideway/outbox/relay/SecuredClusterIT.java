package io.tideway.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tideway.deploy.embedded.EmbeddedKafka;
import io.tideway.deploy.embedded.LoopbackPorts;
import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TidewayTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster that only lets authenticated clients in: the relay reaches it with the client settings
 * it is given, in every client — the producer, the admin client creating topics, and the offsets
 * store's. The broker is the test's own, with a SASL/PLAIN listener for the relay beside the
 * plaintext one the test reads through.
 */
@TidewayTest
class SecuredClusterIT {

  private static final Duration BROKER_START = Duration.ofSeconds(90);
  private static final Duration STREAMING = Duration.ofSeconds(90);

  @TempDir Path dir;

  @Test
  void relaysToAClusterThatRequiresAuthentication(TestDatabase testDatabase) throws Exception {
    OutboxDatabase database = new OutboxDatabase(testDatabase);
    String password = UUID.randomUUID().toString();
    int plainPort = LoopbackPorts.pickFree();
    int saslPort = LoopbackPorts.pickFree();
    int controllerPort = LoopbackPorts.pickFree();
    EmbeddedKafka broker =
        new EmbeddedKafka(
            dir.resolve("kafka"),
            plainPort,
            controllerPort,
            Map.of(
                "listeners",
                "PLAINTEXT://127.0.0.1:%d,SASL_PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d"
                    .formatted(plainPort, saslPort, controllerPort),
                "advertised.listeners",
                "PLAINTEXT://127.0.0.1:%d,SASL_PLAINTEXT://127.0.0.1:%d"
                    .formatted(plainPort, saslPort),
                "listener.security.protocol.map",
                "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
                "sasl.enabled.mechanisms",
                "PLAIN",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                plainLogin("user_relay=\"" + password + "\"")));
    String aggregateType = "secured_" + UUID.randomUUID().toString().substring(0, 8);
    try {
      broker.start(BROKER_START);
      RelaySettings settings =
          RelaySettings.of("127.0.0.1:" + saslPort, List.of(database.source("secured")))
              .withTopicLayout(2, (short) 1)
              .withKafkaClientSettings(
                  Map.of(
                      "security.protocol",
                      "SASL_PLAINTEXT",
                      "sasl.mechanism",
                      "PLAIN",
                      "sasl.jaas.config",
                      plainLogin("username=\"relay\" password=\"" + password + "\"")));
      try (OutboxRelay relay = OutboxRelay.start(settings, new SimpleMeterRegistry());
          TopicReader reader =
              new TopicReader(broker.bootstrapServers(), aggregateType + ".events")) {
        await().atMost(STREAMING).until(() -> relay.health().streaming());
        List<UUID> written = database.insert(aggregateType, 3);

        assertThat(reader.readUntilAll(written, STREAMING).ids())
            .as("the events, through the topic the relay created")
            .isEqualTo(written.stream().map(UUID::toString).collect(Collectors.toSet()));
      }
      try (TopicReader offsets =
          new TopicReader(broker.bootstrapServers(), RelaySettings.DEFAULT_OFFSETS_TOPIC)) {
        await("the offsets store's writes through the secured listener")
            .atMost(STREAMING)
            .until(() -> offsets.size() > 0);
      }
    } finally {
      broker.close();
    }
  }

  private static String plainLogin(String options) {
    return "org.apache.kafka.common.security.plain.PlainLoginModule required " + options + ";";
  }
}
