package io.tideway.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tideway.contracts.common.Address;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.outbox.Outbox;
import io.tideway.outbox.OutboxEvent;
import io.tideway.outbox.connect.OutboxContract;
import io.tideway.outbox.relay.RelayHealth.SourceState;
import io.tideway.schemas.serde.AvroDeserializer;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@TidewayTest
class OutboxRelayIT {

  private static final Duration STREAMING = Duration.ofSeconds(60);
  private static final String TRACE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  private TestKafka kafka;
  private OutboxDatabase database;
  private String aggregateType;
  private RelaySettings settings;
  private SimpleMeterRegistry meters;

  @BeforeEach
  void setUp(TestKafka kafka, TestDatabase testDatabase) {
    this.kafka = kafka;
    this.database = new OutboxDatabase(testDatabase);
    this.aggregateType = "customer_" + UUID.randomUUID().toString().substring(0, 8);
    this.settings =
        RelaySettings.of(kafka.bootstrapServers(), List.of(database.source("customer")))
            .withTopics(kafka.topicName("relay.offsets"), kafka.topicName("outbox.dlq"))
            .withTopicLayout(2, (short) 1);
    this.meters = new SimpleMeterRegistry();
  }

  @Test
  void relaysCommittedRowsToTheContract() throws Exception {
    UUID id = UUID.randomUUID();
    byte[] payload = OutboxDatabase.payload(42, (byte) 1, (byte) 2, (byte) 3);
    try (OutboxRelay relay = streamingRelay()) {
      try (Connection c = database.connect()) {
        c.setAutoCommit(false);
        OutboxDatabase.insert(c, id, aggregateType, "customer-7", payload, TRACE);
        c.commit();
        OutboxDatabase.insert(c, UUID.randomUUID(), aggregateType, "customer-8", payload, null);
        c.rollback();
      }
      List<ConsumerRecord<byte[], byte[]>> events = consume(aggregateType + ".events", 1);

      ConsumerRecord<byte[], byte[]> event = events.get(0);
      assertThat(text(event.key())).isEqualTo("customer-7");
      assertThat(event.value()).isEqualTo(payload);
      assertThat(event.headers().toArray())
          .extracting(Header::key)
          .as("the contract's headers and no others")
          .containsExactly("occurredAt", "id", "eventType", "aggregateType", "traceparent");
      assertThat(header(event, "id")).isEqualTo(id.toString());
      assertThat(header(event, "eventType")).isEqualTo("io.tideway.test.Event");
      assertThat(header(event, "aggregateType")).isEqualTo(aggregateType);
      assertThat(header(event, "traceparent")).isEqualTo(TRACE);
      long occurredAt = Long.parseLong(header(event, OutboxContract.OCCURRED_AT_HEADER));
      assertThat(occurredAt).isCloseTo(System.currentTimeMillis(), within(60_000L));
      assertThat(event.timestamp()).isEqualTo(occurredAt);
      assertThat(kafka.admin().describeTopics(List.of(event.topic())).allTopicNames().get())
          .hasEntrySatisfying(event.topic(), topic -> assertThat(topic.partitions()).hasSize(2));
      try (Connection c = database.connect();
          Statement s = c.createStatement()) {
        assertThat(publication(s)).isEqualTo("insert=true update=true delete=false");
      }
      assertThat(meters.get("tideway.relay.events").counter().count()).isEqualTo(1);
      assertThat(meters.get("tideway.relay.lag").timer().count()).isEqualTo(1);
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(meters.get("tideway.relay.slot.lag").gauge().value()).isNotNegative());
    }
  }

  @Test
  void carriesWhatTheWriterCommittedByteForByte() throws Exception {
    String registry = "mock://relay-it-" + UUID.randomUUID();
    Map<String, Object> serde = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry);
    UUID customerId = UUID.randomUUID();
    CustomerCreated created =
        CustomerCreated.newBuilder()
            .setCustomerId(customerId)
            .setName("Ada Lovelace")
            .setEmail("ada@example.org")
            .setCreditLimit(new BigDecimal("1500.00"))
            .setAddress(
                Address.newBuilder()
                    .setStreet("12 St James's Square")
                    .setCity("London")
                    .setPostalCode("SW1Y 4JH")
                    .setCountry("GB")
                    .build())
            .setCreatedAt(Instant.parse("2025-03-01T10:15:30.123Z"))
            .build();
    try (OutboxRelay relay = streamingRelay();
        Outbox outbox = Outbox.builder(serde).build();
        Connection c = database.connect()) {
      c.setAutoCommit(false);
      UUID id =
          outbox.append(
              c,
              OutboxEvent.of(aggregateType, customerId.toString(), created).withTraceparent(TRACE));
      c.commit();

      ConsumerRecord<byte[], byte[]> event = consume(aggregateType + ".events", 1).get(0);

      assertThat(header(event, "id")).isEqualTo(id.toString());
      assertThat(header(event, "eventType"))
          .isEqualTo(CustomerCreated.getClassSchema().getFullName());
      assertThat(header(event, "traceparent")).isEqualTo(TRACE);
      assertThat(text(event.key())).isEqualTo(customerId.toString());
      try (AvroDeserializer<Object> deserializer = new AvroDeserializer<>()) {
        deserializer.configure(
            Map.of(
                AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG,
                registry,
                AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG,
                true),
            false);
        assertThat(deserializer.deserialize(event.topic(), event.headers(), event.value()))
            .isEqualTo(created);
      }
    }
  }

  @Test
  void createsThePublicationWhereItIsMissing() throws Exception {
    try (Connection c = database.connect();
        Statement s = c.createStatement()) {
      s.execute("DROP PUBLICATION tideway_outbox");
    }
    try (OutboxRelay relay = streamingRelay();
        Connection c = database.connect();
        Statement s = c.createStatement()) {
      // As the migration creates it: the writer's deletes are not decoded and shipped.
      assertThat(publication(s)).isEqualTo("insert=true update=true delete=false");
      OutboxDatabase.insert(
          c, UUID.randomUUID(), aggregateType, "b-1", OutboxDatabase.payload(3), null);
      assertThat(consume(aggregateType + ".events", 1)).hasSize(1);
    }
  }

  @Test
  void isNotReadyWhileASourceCannotStream() throws Exception {
    OutboxSource missing =
        new OutboxSource(
            "missing", "127.0.0.1", database.source("x").port(), "no_such_db", "x", "x");
    settings =
        RelaySettings.of(kafka.bootstrapServers(), List.of(database.source("customer"), missing))
            .withTopics(settings.offsetsTopic(), settings.deadLetterTopic());
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (OutboxRelay relay = OutboxRelay.start(settings, prometheus);
        // On another address than the default's, as for probes from other hosts.
        RelayHttpEndpoint http = RelayHttpEndpoint.start(relay, prometheus, "127.0.0.2", 0)) {
      assertThat(http.url()).startsWith("http://127.0.0.2:");
      HttpClient client = HttpClient.newHttpClient();
      await()
          .atMost(STREAMING)
          .until(() -> relay.health().sources().get("customer") == SourceState.STREAMING);
      HttpResponse<String> ready = get(client, http.url() + "/health/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body())
          .contains(
              "\"status\":\"DOWN\"", "\"customer\":\"STREAMING\"", "\"missing\":\"STARTING\"");
      assertThat(get(client, http.url() + "/health/live").statusCode()).isEqualTo(200);
      await()
          .atMost(STREAMING)
          .untilAsserted(
              () ->
                  assertThat(get(client, http.url() + "/metrics").body())
                      .contains("tideway_relay_restarts_total{source=\"missing\"}"));
    }
  }

  @Test
  void anInterruptedCloseStillStopsAnEngineThatCannotReachItsDatabase() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    OutboxSource unreachable =
        OutboxSource.fromJdbcUrl(
            "unreachable", "jdbc:postgresql://127.0.0.1:" + closedPort + "/outbox", "relay", "x");
    OutboxRelay relay =
        OutboxRelay.start(
            RelaySettings.of(kafka.bootstrapServers(), List.of(unreachable))
                .withTopics(settings.offsetsTopic(), settings.deadLetterTopic()),
            meters);
    // Its engine retries starting its task, and refuses to stop until then.
    Thread.sleep(2_000);

    Thread.currentThread().interrupt();
    relay.close();

    assertThat(Thread.interrupted()).as("the interrupt, kept for the caller").isTrue();
    assertThat(Thread.getAllStackTraces().keySet())
        .extracting(Thread::getName)
        .doesNotContain("tideway-relay-unreachable");
  }

  @Test
  void connectsToItsDatabaseWithTheSourcesSslSettings() {
    OutboxSource plain = database.source("customer");
    OutboxSource requiringSsl =
        OutboxSource.fromJdbcUrl(
            "customer", plain.jdbcUrl() + "?sslmode=require", plain.user(), plain.password());
    try (OutboxRelay relay =
        OutboxRelay.start(
            RelaySettings.of(kafka.bootstrapServers(), List.of(requiringSsl))
                .withTopics(settings.offsetsTopic(), settings.deadLetterTopic()),
            meters)) {
      // The test server has no SSL: a relay that dropped sslmode would connect without.
      await()
          .atMost(STREAMING)
          .until(() -> meters.get("tideway.relay.restarts").counter().count() >= 2);
      assertThat(relay.health().sources()).containsEntry("customer", SourceState.STARTING);
    }
  }

  private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).build(), BodyHandlers.ofString());
  }

  private static String publication(Statement s) throws Exception {
    try (ResultSet rs =
        s.executeQuery(
            "SELECT pubinsert, pubupdate, pubdelete FROM pg_publication WHERE pubname = 'tideway_outbox'")) {
      assertThat(rs.next()).as("publication tideway_outbox exists").isTrue();
      return "insert="
          + rs.getBoolean(1)
          + " update="
          + rs.getBoolean(2)
          + " delete="
          + rs.getBoolean(3);
    }
  }

  @Test
  void sendsRowsThatBreakTheContractToTheDeadLetterTopicAndGoesOn() throws Exception {
    try (OutboxRelay relay = streamingRelay()) {
      UUID nullType = UUID.randomUUID();
      UUID notWireFormat = UUID.randomUUID();
      UUID updated = UUID.randomUUID();
      UUID deleted = UUID.randomUUID();
      byte[] payload = OutboxDatabase.payload(1, (byte) 9);
      try (Connection c = database.connect();
          Statement s = c.createStatement()) {
        // A writer outside the contract: the migration's NOT NULL would stop this one.
        s.execute("ALTER TABLE outbox ALTER COLUMN aggregatetype DROP NOT NULL");
        OutboxDatabase.insert(c, nullType, null, "a-1", payload, null);
        OutboxDatabase.insert(
            c,
            notWireFormat,
            aggregateType,
            "a-2",
            "{\"json\":true}".getBytes(StandardCharsets.UTF_8),
            null);
        OutboxDatabase.insert(c, updated, aggregateType, "a-3", payload, null);
        s.execute("UPDATE outbox SET type = 'changed' WHERE id = '" + updated + "'");
        OutboxDatabase.insert(c, deleted, aggregateType, "a-4", payload, null);
        s.execute("DELETE FROM outbox WHERE id = '" + deleted + "'");
      }
      UUID after = database.insert(aggregateType, 1).get(0);

      List<ConsumerRecord<byte[], byte[]>> letters = consume(settings.deadLetterTopic(), 3);
      Map<String, ConsumerRecord<byte[], byte[]>> byId = new HashMap<>();
      letters.forEach(r -> byId.put(header(r, "id"), r));
      assertThat(byId)
          .containsOnlyKeys(nullType.toString(), notWireFormat.toString(), updated.toString());
      assertThat(header(byId.get(nullType.toString()), DeadLetters.ERROR))
          .contains("aggregatetype is null");
      assertThat(header(byId.get(notWireFormat.toString()), DeadLetters.ERROR))
          .contains("magic byte");
      assertThat(byId.get(notWireFormat.toString()).value())
          .isEqualTo("{\"json\":true}".getBytes(StandardCharsets.UTF_8));
      assertThat(header(byId.get(updated.toString()), DeadLetters.ERROR))
          .contains("Unexpected update");
      assertThat(header(byId.get(updated.toString()), DeadLetters.SOURCE_OP)).isEqualTo("u");
      assertThat(letters)
          .allSatisfy(r -> assertThat(header(r, DeadLetters.SOURCE)).isEqualTo("customer"))
          .allSatisfy(r -> assertThat(header(r, DeadLetters.SOURCE_LSN)).isNotBlank());

      // Every good row, the updated and deleted ones included as they were inserted, and the one
      // after.
      List<ConsumerRecord<byte[], byte[]>> events = consume(aggregateType + ".events", 3);
      assertThat(events)
          .extracting(r -> header(r, "id"))
          .containsExactlyInAnyOrder(updated.toString(), deleted.toString(), after.toString());
      assertThat(meters.get("tideway.relay.dead.letters").counter().count()).isEqualTo(3);
      assertThat(relay.health().streaming()).isTrue();
    }
  }

  @Test
  void sendsAnEventKafkaRefusesForGoodToTheDeadLetterTopicAndGoesOn() throws Exception {
    try (OutboxRelay relay = streamingRelay()) {
      // Kafka refuses a topic whose name differs from an existing one's only by '.' against '_'.
      String dotted = aggregateType + ".line";
      database.insert(dotted, 1);
      consume(dotted + ".events", 1);
      UUID refused = database.insert(aggregateType + "_line", 1).get(0);
      UUID after = database.insert(aggregateType, 1).get(0);

      ConsumerRecord<byte[], byte[]> letter =
          consume(settings.deadLetterTopic(), 1).stream()
              .filter(r -> refused.toString().equals(header(r, "id")))
              .findFirst()
              .orElseThrow();
      assertThat(header(letter, DeadLetters.ERROR_CLASS)).endsWith("InvalidTopicException");
      assertThat(header(letter, DeadLetters.ERROR)).contains(aggregateType + "_line.events");
      assertThat(letter.value()).isEqualTo(OutboxDatabase.payload(1, (byte) 0));
      assertThat(consume(aggregateType + ".events", 1))
          .extracting(r -> header(r, "id"))
          .containsExactly(after.toString());
      assertThat(meters.get("tideway.relay.dead.letters").counter().count()).isEqualTo(1);
      assertThat(meters.get("tideway.relay.restarts").counter().count()).isZero();
      assertThat(relay.health().streaming()).isTrue();
    }
  }

  @Test
  void sendsAgainWithoutItTheBatchKafkaRefusedForOneInvalidEvent() throws Exception {
    // Kafka refuses a produce batch holding one invalid record as a whole: the record itself for
    // good, its neighbours for now. They must pass once the invalid one is dead-lettered.
    String topic = eventTopicAcceptingTimesBackTo(Duration.ofDays(1));
    RelaySettings agedInOneBatch =
        settings.withProducerOverrides(
            Map.of(
                ProducerConfig.INTERCEPTOR_CLASSES_CONFIG,
                AgedEvents.class.getName(),
                ProducerConfig.LINGER_MS_CONFIG,
                500));
    List<UUID> ids = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
    try (OutboxRelay relay = streamingRelay(agedInOneBatch)) {
      commitAround(ids, AgedEvents.PREFIX + "1", new byte[] {2});

      assertThat(consume(topic, 2))
          .extracting(r -> header(r, "id"))
          .containsExactly(ids.get(0).toString(), ids.get(2).toString());
      assertThat(consume(settings.deadLetterTopic(), 1))
          .singleElement()
          .satisfies(
              letter -> {
                assertThat(header(letter, "id")).isEqualTo(ids.get(1).toString());
                assertThat(header(letter, DeadLetters.ERROR_CLASS))
                    .endsWith("InvalidTimestampException");
              });
      assertThat(meters.get("tideway.relay.dead.letters").counter().count()).isEqualTo(1);
      // The batch failed as a whole and was sent again.
      assertThat(meters.get("tideway.relay.restarts").counter().count()).isPositive();
      assertThat(relay.health().streaming()).isTrue();
    }
  }

  @Test
  void deadLettersAnEventTooOldForItsTopicWithoutSendingIt() throws Exception {
    String topic = eventTopicAcceptingTimesBackTo(Duration.ofSeconds(5));
    try (OutboxRelay relay = streamingRelay()) {
      database.insert(aggregateType, 1);
      consume(topic, 1);
    }
    // Committed while the relay is down for longer than the topic accepts.
    UUID old = database.insert(aggregateType, 1).get(0);
    Thread.sleep(6_000);

    try (OutboxRelay relay = streamingRelay()) {
      UUID fresh = database.insert(aggregateType, 1).get(0);

      ConsumerRecord<byte[], byte[]> letter =
          consume(settings.deadLetterTopic(), 1).stream()
              .filter(r -> old.toString().equals(header(r, "id")))
              .findFirst()
              .orElseThrow();
      assertThat(header(letter, DeadLetters.ERROR_CLASS)).endsWith("InvalidTimestampException");
      assertThat(header(letter, DeadLetters.ERROR)).contains("message.timestamp.before.max.ms");
      assertThat(consume(topic, 2))
          .extracting(r -> header(r, "id"))
          .contains(fresh.toString())
          .doesNotContain(old.toString());
      // Known before sending: no batch failed.
      assertThat(meters.get("tideway.relay.restarts").counter().count()).isZero();
    }
  }

  @Test
  void stopsOnAnEventTooLargeToSendSoThatNoLaterEventOfItsAggregateOvertakesIt() throws Exception {
    RelaySettings smallRequests =
        settings.withProducerOverrides(Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4096));
    String topic = aggregateType + ".events";
    List<UUID> ids = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
    try (OutboxRelay relay = streamingRelay(smallRequests)) {
      commitAround(ids, "agg-1", new byte[8192]);
      await()
          .atMost(STREAMING)
          .until(() -> meters.get("tideway.relay.restarts").counter().count() >= 2);
      // Stuck on the large event, which waits in the slot.
      assertThat(meters.get("tideway.relay.dead.letters").counter().count()).isZero();
      // Never ready meanwhile, not even between a restart and its failure.
      Set<SourceState> states = EnumSet.noneOf(SourceState.class);
      double restarts = meters.get("tideway.relay.restarts").counter().count();
      while (meters.get("tideway.relay.restarts").counter().count() < restarts + 1) {
        states.add(relay.health().sources().get("customer"));
        Thread.sleep(1);
      }
      assertThat(states).contains(SourceState.STARTING).doesNotContain(SourceState.STREAMING);
    }
    // The limit raised, everything follows in order (had the event after it been written while
    // it was stuck, it would come first); what was sent before comes again.
    try (OutboxRelay relay = streamingRelay(settings)) {
      assertThat(consume(topic, 3).stream().map(r -> header(r, "id")).distinct())
          .containsExactly(ids.get(0).toString(), ids.get(1).toString(), ids.get(2).toString());
    }
  }

  @Test
  void anEventTheBrokerRefusesWhileLaterOnesAreInFlightIsOvertakenByNone() throws Exception {
    // The topic refuses records over 4 KiB, the producer sends up to 1 MiB: the broker refuses the
    // large event while the event after it, in a produce batch of its own, waits to be sent.
    String topic = aggregateType + ".events";
    NewTopic smallRecords =
        new NewTopic(topic, 1, (short) 1).configs(Map.of("max.message.bytes", "4096"));
    kafka.admin().createTopics(List.of(smallRecords)).all().get();
    RelaySettings batchPerEvent =
        settings.withProducerOverrides(
            Map.of(ProducerConfig.BATCH_SIZE_CONFIG, 256, ProducerConfig.LINGER_MS_CONFIG, 200));
    byte[] incompressible = new byte[8192];
    new Random(7).nextBytes(incompressible);
    List<UUID> ids = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
    try (OutboxRelay relay = streamingRelay(batchPerEvent)) {
      commitAround(ids, "agg-1", incompressible);
      await()
          .atMost(STREAMING)
          .until(() -> meters.get("tideway.relay.restarts").counter().count() >= 2);
    }
    kafka.setTopicConfig(topic, "max.message.bytes", "1048588");

    // The limit raised, everything follows in order; what was sent before comes again.
    try (OutboxRelay relay = streamingRelay(settings)) {
      assertThat(consume(topic, 3).stream().map(r -> header(r, "id")).distinct())
          .containsExactly(ids.get(0).toString(), ids.get(1).toString(), ids.get(2).toString());
    }
  }

  @Test
  void isStalledWhileDebeziumHoldsChangesStoringItsOffsets() throws Exception {
    RelaySettings held =
        settings
            .withKafkaClientSettings(
                Map.of(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, HeldOffsets.class.getName()))
            .withOffsetFlushInterval(Duration.ofSeconds(3))
            .withStallAfter(Duration.ofSeconds(1));
    String topic = aggregateType + ".events";
    try (OutboxRelay relay = streamingRelay(held)) {
      try {
        // The first batch stores its offsets at once; the next, within the flush interval, leaves
        // them to the engine's loop, which stores them between batches, outside the relay.
        database.insert(aggregateType, 1);
        consume(topic, 1);
        Thread.sleep(500);
        HeldOffsets.hold(held.offsetsTopic());
        database.insert(aggregateType, 1);
        await().atMost(STREAMING).until(HeldOffsets::holding);

        database.insert(aggregateType, 1);
        await()
            .atMost(Duration.ofSeconds(15))
            .until(() -> relay.health().sources().get("customer") == SourceState.STALLED);
      } finally {
        HeldOffsets.release();
      }
      await()
          .atMost(STREAMING)
          .until(() -> relay.health().sources().get("customer") == SourceState.STREAMING);
      assertThat(consume(topic, 3)).hasSize(3);
    }
  }

  @Test
  void resumesFromTheOffsetsStoredInKafka() throws Exception {
    List<UUID> first;
    try (OutboxRelay relay = streamingRelay()) {
      first = database.insert(aggregateType, 20);
      consume(aggregateType + ".events", 20);
    }
    // Written while no relay runs: the slot keeps them.
    List<UUID> second = database.insert(aggregateType, 20);
    try (OutboxRelay relay = streamingRelay()) {
      List<UUID> third = database.insert(aggregateType, 5);
      List<ConsumerRecord<byte[], byte[]>> all = consume(aggregateType + ".events", 45);
      List<String> ids = all.stream().map(r -> header(r, "id")).toList();
      List<String> expected = new ArrayList<>();
      for (List<UUID> part : List.of(first, second, third)) {
        part.forEach(id -> expected.add(id.toString()));
      }
      // A clean stop commits every acknowledged offset: nothing is sent twice.
      assertThat(ids).containsExactlyInAnyOrderElementsOf(expected);
    }
  }

  /**
   * Commits three events in one transaction, in this order: {@code ids} 0 and 2 small ones of
   * aggregate {@code agg-1}, around id 1 of the aggregate and with the payload body given.
   */
  private void commitAround(List<UUID> ids, String middleAggregateId, byte[] middleBody)
      throws SQLException {
    try (Connection c = database.connect()) {
      c.setAutoCommit(false);
      OutboxDatabase.insert(
          c, ids.get(0), aggregateType, "agg-1", OutboxDatabase.payload(1, (byte) 1), null);
      OutboxDatabase.insert(
          c,
          ids.get(1),
          aggregateType,
          middleAggregateId,
          OutboxDatabase.payload(1, middleBody),
          null);
      OutboxDatabase.insert(
          c, ids.get(2), aggregateType, "agg-1", OutboxDatabase.payload(1, (byte) 3), null);
      c.commit();
    }
  }

  /** The aggregate type's topic, one partition, refusing records older than {@code bound}. */
  private String eventTopicAcceptingTimesBackTo(Duration bound) throws Exception {
    String topic = aggregateType + ".events";
    NewTopic newTopic =
        new NewTopic(topic, 1, (short) 1)
            .configs(Map.of("message.timestamp.before.max.ms", Long.toString(bound.toMillis())));
    kafka.admin().createTopics(List.of(newTopic)).all().get();
    return topic;
  }

  private OutboxRelay streamingRelay() {
    return streamingRelay(settings);
  }

  private OutboxRelay streamingRelay(RelaySettings settings) {
    OutboxRelay relay = OutboxRelay.start(settings, meters);
    try {
      await().atMost(STREAMING).until(() -> relay.health().streaming());
    } catch (RuntimeException e) {
      relay.close();
      throw e;
    }
    return relay;
  }

  private List<ConsumerRecord<byte[], byte[]>> consume(String topic, int atLeast) {
    Properties props = kafka.consumerProperties("relay-it-" + UUID.randomUUID());
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= atLeast;
              });
      // Whatever else arrives soon after: duplicates would show here.
      consumer.poll(Duration.ofSeconds(1)).forEach(records::add);
      return records;
    }
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : text(header.value());
  }

  private static String text(byte[] bytes) {
    return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
  }
}
