package io.tideway.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tideway.testkit.SecuredKafka;
import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TidewayTest;
import io.tideway.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
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

  private static final Duration STREAMING = Duration.ofSeconds(90);

  @TempDir Path dir;

  @Test
  void relaysToAClusterThatRequiresAuthentication(TestDatabase testDatabase) throws Exception {
    OutboxDatabase database = new OutboxDatabase(testDatabase);
    String aggregateType = "secured_" + UUID.randomUUID().toString().substring(0, 8);
    try (SecuredKafka broker = SecuredKafka.start(dir.resolve("kafka"), "relay", Map.of())) {
      RelaySettings settings = settings(broker, database, "secured");
      try (OutboxRelay relay = OutboxRelay.start(settings, new SimpleMeterRegistry());
          TopicReader reader =
              new TopicReader(broker.plaintextBootstrap(), aggregateType + ".events")) {
        await().atMost(STREAMING).until(() -> relay.health().streaming());
        List<UUID> written = database.insert(aggregateType, 3);

        assertThat(reader.readUntilAll(written, STREAMING).ids())
            .as("the events, through the topic the relay created")
            .isEqualTo(written.stream().map(UUID::toString).collect(Collectors.toSet()));
      }
      try (TopicReader offsets =
          new TopicReader(broker.plaintextBootstrap(), RelaySettings.DEFAULT_OFFSETS_TOPIC)) {
        await("the offsets store's writes through the secured listener")
            .atMost(STREAMING)
            .until(() -> offsets.size() > 0);
      }
    }
  }

  @Test
  void relaysToTopicsItMayWriteToButNotCreate(TestDatabase testDatabase) throws Exception {
    OutboxDatabase database = new OutboxDatabase(testDatabase);
    String events = "granted_" + UUID.randomUUID().toString().substring(0, 8) + ".events";
    try (SecuredKafka broker = authorizingBroker()) {
      grant(
          broker,
          List.of(events),
          allow(events, AclOperation.WRITE),
          allow(events, AclOperation.DESCRIBE));
      try (OutboxRelay relay =
              OutboxRelay.start(settings(broker, database, "granted"), new SimpleMeterRegistry());
          TopicReader reader = new TopicReader(broker.plaintextBootstrap(), events)) {
        await().atMost(STREAMING).until(() -> relay.health().streaming());
        List<UUID> written = database.insert(events.substring(0, events.indexOf('.')), 3);

        assertThat(reader.readUntilAll(written, STREAMING).ids())
            .as("the events, in the topic made for them, which the relay may not create")
            .isEqualTo(written.stream().map(UUID::toString).collect(Collectors.toSet()));
      }
    }
  }

  @Test
  void deadLettersTheEventsOfATopicItMayNotWriteToWithoutARestartForEach(TestDatabase testDatabase)
      throws Exception {
    OutboxDatabase database = new OutboxDatabase(testDatabase);
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String denied = "denied_" + suffix + ".events";
    String granted = "granted_" + suffix + ".events";
    try (SecuredKafka broker = authorizingBroker()) {
      // The relay may see the denied topic, so it does not try to create it, but not write to it.
      grant(
          broker,
          List.of(denied, granted),
          allow(denied, AclOperation.DESCRIBE),
          allow(granted, AclOperation.WRITE),
          allow(granted, AclOperation.DESCRIBE));
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      try (OutboxRelay relay = OutboxRelay.start(settings(broker, database, "denied"), meters);
          TopicReader relayed = new TopicReader(broker.plaintextBootstrap(), granted);
          TopicReader letters =
              new TopicReader(broker.plaintextBootstrap(), Topics.OUTBOX_DLQ.name())) {
        await().atMost(STREAMING).until(() -> relay.health().streaming());
        List<UUID> refused = new ArrayList<>();
        List<UUID> allowed = new ArrayList<>();
        // Apart in time, so that were the topic not remembered, each denied event would fail a
        // batch of its own and restart the engine once more.
        for (int i = 0; i < 6; i++) {
          refused.addAll(database.insert(denied.substring(0, denied.indexOf('.')), 1));
          allowed.addAll(database.insert(granted.substring(0, granted.indexOf('.')), 1));
          Thread.sleep(200);
        }

        assertThat(relayed.readUntilAll(allowed, STREAMING).ids())
            .containsAll(allowed.stream().map(UUID::toString).toList());
        assertThat(letters.readUntilAll(refused, STREAMING).ids())
            .containsAll(refused.stream().map(UUID::toString).toList());
        assertThat(meters.get("tideway.relay.restarts").counter().count())
            .as("the restart after the first refusal only")
            .isEqualTo(1.0);
      }
    }
  }

  /**
   * A broker with an authorizer, for the relay logging in as {@code relay}; the test's own clients
   * come in as ANONYMOUS, a super user, through the plaintext listener.
   */
  private SecuredKafka authorizingBroker() throws Exception {
    return SecuredKafka.start(
        dir.resolve("kafka"),
        "relay",
        Map.of(
            "authorizer.class.name",
            "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "super.users",
            "User:ANONYMOUS"));
  }

  /**
   * Creates the topics, and lets the relay do what the test grants, and all on its offsets topic
   * and the dead-letter topic.
   */
  private static void grant(SecuredKafka broker, List<String> topics, AclBinding... granted)
      throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.plaintextBootstrap()))) {
      admin
          .createTopics(topics.stream().map(topic -> new NewTopic(topic, 2, (short) 1)).toList())
          .all()
          .get();
      admin
          .createAcls(
              Stream.concat(
                      Stream.of(granted),
                      Stream.of(
                          allow(RelaySettings.DEFAULT_OFFSETS_TOPIC, AclOperation.ALL),
                          allow(Topics.OUTBOX_DLQ.name(), AclOperation.ALL)))
                  .toList())
          .all()
          .get();
    }
  }

  /** The relay, logging in as {@code relay}. */
  private static RelaySettings settings(
      SecuredKafka broker, OutboxDatabase database, String source) {
    return RelaySettings.of(broker.saslBootstrap(), List.of(database.source(source)))
        .withTopicLayout(2, (short) 1)
        .withKafkaClientSettings(broker.clientSettings());
  }

  private static AclBinding allow(String topic, AclOperation operation) {
    return new AclBinding(
        new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
        new AccessControlEntry("User:relay", "*", operation, AclPermissionType.ALLOW));
  }
}
