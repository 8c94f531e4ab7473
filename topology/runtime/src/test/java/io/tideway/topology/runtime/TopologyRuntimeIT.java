package io.tideway.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tideway.contracts.inventory.StockAdjusted;
import io.tideway.fixtures.AdjustmentAudit;
import io.tideway.fixtures.JarOnlyInterceptor;
import io.tideway.fixtures.ProductHistory;
import io.tideway.fixtures.RefusingInterceptor;
import io.tideway.fixtures.StockLevels;
import io.tideway.fixtures.StockLevelsCopy;
import io.tideway.fixtures.StockLevelsDailyCount;
import io.tideway.fixtures.StockLevelsV2;
import io.tideway.fixtures.ThrowingTopology;
import io.tideway.fixtures.UnnamedStore;
import io.tideway.schemas.client.MockSchemaRegistry;
import io.tideway.schemas.registry.SchemaRegistryServer;
import io.tideway.schemas.serde.AvroSerde;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.schemas.serde.TopicRecordNameStrategy;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import io.tideway.topics.Topics;
import io.tideway.topology.DeploymentContext;
import io.tideway.topology.EventHeaders;
import io.tideway.topology.TopologyProvider;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.management.ObjectName;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime on a real broker: deployment, deduplication, dead letters, queries, health. */
@TidewayTest
class TopologyRuntimeIT {

  /** When {@code medium} was posted: a day ago, unlike every record after it. */
  private static final long MEDIUM_AT = System.currentTimeMillis() - Duration.ofDays(1).toMillis();

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  private String scope;
  private String input;
  private TopologyRuntime runtime;
  private Serde<SpecificRecord> events;
  private KafkaProducer<String, byte[]> producer;

  @BeforeEach
  void start(TestKafka kafka) {
    // Kept forever: some tests send records stamped months back, which the broker's time-based
    // retention would otherwise delete at its next check, before they are read.
    input = kafka.createTopic("inventory.events", 3, Map.of("retention.ms", "-1"));
    scope = "runtime-it-" + UUID.randomUUID();
    System.setProperty(StockLevels.RUN_PROPERTY, scope);
    runtime =
        TopologyRuntime.start(
            settings(kafka), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    events = new AvroSerde<>();
    events.configure(
        Map.of(
            AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG,
            "mock://" + scope,
            AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG,
            TopicRecordNameStrategy.class.getName()),
        false);
    Properties props = kafka.producerProperties();
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    producer = new KafkaProducer<>(props);
  }

  @AfterEach
  void stop() {
    producer.close();
    runtime.close();
    MockSchemaRegistry.drop(scope);
  }

  @Test
  void countsEachEventOnceThoughEveryEventArrivesThreeTimesAndAnswersQueries() throws Exception {
    deploy("stock.jar", StockLevels.class, Map.of());
    List<String> products = List.of(uuid(), uuid(), uuid());
    for (int round = 0; round < 4; round++) {
      for (String product : products) {
        String id = uuid();
        byte[] value = bytes(adjusted(product, 10 + round));
        for (int copy = 0; copy < 3; copy++) {
          send(product, value, id);
        }
      }
    }
    producer.flush();

    for (String product : products) {
      awaitValue("stock-adjustments", product, 4);
    }
    RuntimeClient client = new RuntimeClient(runtime.url());
    // Scans read what the store cache has flushed, at the next commit.
    await()
        .atMost(WAIT)
        .until(
            () ->
                client.scan("stock-adjustments", null, null, null, 10, null).path("entries").size()
                    == products.size());
    JsonNode firstTwo = client.scan("stock-adjustments", null, null, null, 2, null);
    assertThat(firstTwo.path("entries")).hasSize(2);
    JsonNode rest =
        client.scan("stock-adjustments", null, null, null, 2, firstTwo.path("next").asText());
    assertThat(rest.path("entries")).hasSize(1);
    assertThat(rest.path("next").isNull()).isTrue();
    List<String> scanned = new ArrayList<>();
    firstTwo.path("entries").forEach(e -> scanned.add(e.path("key").asText()));
    rest.path("entries").forEach(e -> scanned.add(e.path("key").asText()));
    assertThat(scanned).isSorted().containsExactlyInAnyOrderElementsOf(products);
    String first = scanned.get(0);
    JsonNode byPrefix =
        client.scan("stock-adjustments", null, null, first.substring(0, 8), 10, null);
    assertThat(byPrefix.path("entries").get(0).path("key").asText()).isEqualTo(first);
    assertThat(byPrefix.path("entries").get(0).path("value").asLong()).isEqualTo(4);
    assertThat(get("/v1/stores/stock-adjustments/keys?limit=0").statusCode()).isEqualTo(400);
    assertThat(get("/v1/stores/stock-adjustments/keys?limit=x").statusCode()).isEqualTo(400);

    JsonNode latest = query("stock-levels", products.get(0));
    assertThat(latest.path("value").path("stock").asInt()).isEqualTo(13);
    assertThat(latest.path("value").path("productId").asText()).isEqualTo(products.get(0));
    assertThat(latest.path("stale").asBoolean()).isFalse();

    assertThat(get("/v1/stores/stock-adjustments/keys/" + uuid()).statusCode()).isEqualTo(404);
    assertThat(get("/v1/stores/no-such-store/keys/x").statusCode()).isEqualTo(404);
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(metricValue(get("/metrics").body(), "duplicates_dropped_total"))
                    .isEqualTo(24.0));
    assertThat(get("/metrics").body()).contains("kafka_stream_");
    JsonNode listed = JSON.readTree(get("/v1/deployments").body());
    assertThat(listed.get(0).path("name").asText()).isEqualTo("stock-levels");
    assertThat(listed.get(0).path("state").asText()).isEqualTo("RUNNING");
    assertThat(listed.get(0).path("stores").toString())
        .contains("stock-adjustments", "stock-levels");
  }

  @Test
  void sendsPoisonPillsToTheDeadLetterTopicAndKeepsProcessing(TestKafka kafka) throws Exception {
    deploy("stock.jar", StockLevels.class, Map.of());
    String product = uuid();
    byte[] valid = bytes(adjusted(product, 5));
    byte[] wrongMagic = valid.clone();
    wrongMagic[0] = 1;
    byte[] unknownId = valid.clone();
    ByteBuffer.wrap(unknownId).putInt(1, 987_654);
    byte[] random = new byte[24];
    new java.util.Random(7).nextBytes(random);
    random[0] = 0x55;

    send(product, random, uuid());
    send(product, wrongMagic, uuid());
    send(product, unknownId, uuid());
    String failedCheck = uuid();
    send(product, bytes(adjusted(product, -3)), failedCheck);
    send(null, valid, uuid());
    send(product, null, uuid());
    send(product, valid, uuid());
    producer.flush();

    awaitValue("stock-adjustments", product, 1);
    List<ConsumerRecord<byte[], byte[]>> dead =
        readAll(
            kafka,
            Topics.deadLetters(new StockLevels().applicationId()).name(),
            records -> records.size() >= 6);
    assertThat(dead).hasSize(6);
    assertThat(dead)
        .allSatisfy(
            record -> {
              assertThat(header(record, "__streams.errors.topic")).isEqualTo(input);
              assertThat(header(record, "__streams.errors.partition")).isNotNull();
              assertThat(header(record, "__streams.errors.offset")).isNotNull();
              assertThat(header(record, "__streams.errors.exception")).isNotBlank();
              assertThat(header(record, "__streams.errors.message")).isNotNull();
              assertThat(header(record, EventHeaders.ID)).isNotNull();
            });
    assertThat(dead)
        .extracting(record -> header(record, "__streams.errors.message"))
        .anyMatch(message -> message.contains("cannot be -3"))
        .anyMatch(message -> message.contains("event has no key"))
        .anyMatch(message -> message.contains("tombstone"));
    // The bytes that cannot be read, then the events that fail the topology's checks.
    assertThat(dead)
        .extracting(record -> header(record, "tideway.dead-letter.stage"))
        .containsExactlyInAnyOrder(
            "deserialization",
            "deserialization",
            "deserialization",
            "processing",
            "processing",
            "processing");
    assertThat(deadLettered("stock-levels", "deserialization", 3)).isEqualTo(3.0);
    assertThat(deadLettered("stock-levels", "processing", 3)).isEqualTo(3.0);

    // The record that failed its check below deduplication left its id unremembered: once the
    // cause is fixed, its re-drive (the same event id) is processed.
    send(product, valid, failedCheck);
    producer.flush();
    awaitValue("stock-adjustments", product, 2);
  }

  @Test
  void aRecordThatMetAnOutageOfTheRegistryIsReadAgainOnceItEndsNotDeadLettered(TestKafka kafka)
      throws Exception {
    SchemaRegistryServer.Settings registrySettings =
        SchemaRegistryServer.Settings.of(kafka.bootstrapServers())
            .withTopic(kafka.topicName("schemas"))
            .withPort(0);
    SchemaRegistryServer registry = new SchemaRegistryServer(registrySettings);
    registry.start();
    int port = registry.port();
    try (AvroSerde<SpecificRecord> writer = new AvroSerde<>()) {
      writer.configure(
          Map.of(
              AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG,
              registry.url(),
              AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG,
              TopicRecordNameStrategy.class.getName()),
          false);
      deploy(
          "stock.jar",
          StockLevels.class,
          Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url()));
      String product = uuid();
      // Registered now; the runtime has yet to fetch the schema when the record comes.
      byte[] value = writer.serializer().serialize(input, adjusted(product, 5));
      registry.close();
      send(product, value, uuid());
      producer.flush();
      await()
          .dontCatchUncaughtExceptions()
          .atMost(WAIT)
          .until(
              () ->
                  metricValue(get("/metrics").body(), "tideway_topology_registry_outages_total")
                      >= 2);

      registry = new SchemaRegistryServer(registrySettings.withPort(port));
      registry.start();
      awaitValue("stock-adjustments", product, 1);
    } finally {
      registry.close();
    }
    assertThat(recordsToEnd(kafka, Topics.deadLetters(new StockLevels().applicationId()).name()))
        .isEmpty();
    assertThat(metricValue(get("/metrics").body(), "tideway_topology_dead_letters_total")).isZero();
  }

  @Test
  void aStreamThreadKilledByAnErrorIsReplacedAndNothingIsLost(TestKafka kafka) throws Exception {
    // Made for the first stream thread, and again for its replacement, only from the jar.
    deploy(
        "fails-once.jar",
        io.tideway.fixtures.FailsOnce.class,
        Map.of("main.consumer.interceptor.classes", JarOnlyInterceptor.class.getName()));
    String ledger = kafka.topicName("ledger");
    try (KafkaProducer<String, String> postings = postings(kafka)) {
      postings.send(new ProducerRecord<>(ledger, "account-1", "1"));
      postings.send(new ProducerRecord<>(ledger, "account-1", "boom"));
      postings.send(new ProducerRecord<>(ledger, "account-1", "2"));
    }

    // The thread died on "boom" before committing it; its replacement processed it again, and at
    // once: the failed thread's static member is removed from the group, so its partitions do
    // not wait out the member's session timeout (45 s).
    long sent = System.nanoTime();
    awaitValue("postings", "account-1", 3);
    assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofSeconds(30));
    assertThat(runtime.deployments().get(0).state()).isEqualTo("RUNNING");
  }

  @Test
  void anEventThatFailedInOneBranchIsTakenOnlyByThatBranchWhenItComesAgain(TestKafka kafka)
      throws Exception {
    deploy("partly.jar", io.tideway.fixtures.PartlyFailing.class, Map.of());
    String ledger = kafka.topicName("ledger");
    String failing = uuid();
    try (KafkaProducer<String, String> postings = postings(kafka)) {
      postings.send(posting(ledger, failing, "fails-audit")).get();
      await()
          .atMost(WAIT)
          .until(
              () ->
                  recordsToEnd(
                              kafka,
                              Topics.deadLetters(
                                      new io.tideway.fixtures.PartlyFailing().applicationId())
                                  .name())
                          .size()
                      == 1);
      // Re-driven once the bug is fixed, then a duplicate of it, then another posting.
      postings.send(posting(ledger, failing, "fails-audit"));
      postings.send(posting(ledger, failing, "fails-audit"));
      postings.send(posting(ledger, uuid(), "1")).get();
    }

    // The last posting went through tallies before audits: both are done with it.
    awaitValue("audits", "account-1", 2);
    assertThat(query("tallies", "account-1").path("value").asLong()).isEqualTo(2);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(metricValue(get("/metrics").body(), "duplicates_dropped_total"))
                    .isEqualTo(1.0));
  }

  private static ProducerRecord<String, String> posting(String ledger, String id, String amount) {
    ProducerRecord<String, String> record = new ProducerRecord<>(ledger, "account-1", amount);
    record.headers().add(EventHeaders.ID, id.getBytes(StandardCharsets.UTF_8));
    return record;
  }

  @Test
  void underAtLeastOnceTheRecordsOfATransactionAbortedUpstreamAreNotTaken(TestKafka kafka)
      throws Exception {
    deploy(
        "echo.jar",
        io.tideway.fixtures.Echo.class,
        Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE));
    String ledger = kafka.topicName("ledger");
    Properties transactional = kafka.producerProperties();
    transactional.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "upstream-" + uuid());
    try (KafkaProducer<String, String> upstream =
        new KafkaProducer<>(transactional, new StringSerializer(), new StringSerializer())) {
      upstream.initTransactions();
      upstream.beginTransaction();
      upstream.send(new ProducerRecord<>(ledger, "account-1", "aborted")).get();
      upstream.abortTransaction();
      upstream.beginTransaction();
      upstream.send(new ProducerRecord<>(ledger, "account-1", "committed"));
      upstream.commitTransaction();
    }

    List<ConsumerRecord<byte[], byte[]>> echoed =
        readAll(kafka, kafka.topicName("echoes"), records -> !records.isEmpty());
    assertThat(echoed)
        .extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
        .containsExactly("committed");
  }

  @Test
  void anOutputTooLargeToSendDeadLettersItsInputAndTheRecordsAfterItPass(TestKafka kafka)
      throws Exception {
    deploy("echo.jar", io.tideway.fixtures.Echo.class, Map.of());
    String ledger = kafka.topicName("ledger");
    try (KafkaProducer<String, String> postings = postings(kafka)) {
      postings.send(new ProducerRecord<>(ledger, "account-1", "1"));
      postings.send(new ProducerRecord<>(ledger, "account-1", "big"));
      postings.send(new ProducerRecord<>(ledger, "account-1", "2"));
    }

    String echoes = kafka.topicName("echoes");
    List<ConsumerRecord<byte[], byte[]>> echoed =
        readAll(kafka, echoes, records -> records.size() >= 2);
    assertThat(echoed)
        .extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
        .containsExactly("1", "2");
    List<ConsumerRecord<byte[], byte[]>> dead =
        readAll(
            kafka,
            Topics.deadLetters(new io.tideway.fixtures.Echo().applicationId()).name(),
            records -> !records.isEmpty());
    assertThat(dead).singleElement();
    assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("big");
    assertThat(header(dead.get(0), "__streams.errors.offset")).isEqualTo("1");
    assertThat(header(dead.get(0), "__streams.errors.message")).contains("RecordTooLarge");
    assertThat(deadLettered("echo", "production", 1)).isEqualTo(1.0);
  }

  @Test
  void anInputTooLargeForItsOwnDeadLetterIsDeadLetteredByItsPlaceInTheLog(TestKafka kafka)
      throws Exception {
    // The topic takes 1.5 MiB; its echo, and a dead letter carrying it, are more than the
    // runtime's producer sends.
    String ledger = kafka.createTopic("ledger", 6, Map.of("max.message.bytes", "4194304"));
    deploy("echo.jar", io.tideway.fixtures.Echo.class, Map.of());
    Properties large = kafka.producerProperties();
    large.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20);
    try (KafkaProducer<String, String> postings =
        new KafkaProducer<>(large, new StringSerializer(), new StringSerializer())) {
      postings.send(new ProducerRecord<>(ledger, "account-1", "1"));
      postings.send(new ProducerRecord<>(ledger, "account-1", "y".repeat(3 << 19)));
      postings.send(new ProducerRecord<>(ledger, "account-1", "2"));
    }

    List<ConsumerRecord<byte[], byte[]>> echoed =
        readAll(kafka, kafka.topicName("echoes"), records -> records.size() >= 2);
    assertThat(echoed)
        .extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
        .containsExactly("1", "2");
    List<ConsumerRecord<byte[], byte[]>> dead =
        readAll(
            kafka,
            Topics.deadLetters(new io.tideway.fixtures.Echo().applicationId()).name(),
            records -> !records.isEmpty());
    assertThat(dead).singleElement();
    assertThat(dead.get(0).key()).isNull();
    assertThat(dead.get(0).value()).isNull();
    assertThat(header(dead.get(0), "__streams.errors.topic")).isEqualTo(ledger);
    assertThat(header(dead.get(0), "__streams.errors.offset")).isEqualTo("1");
    assertThat(header(dead.get(0), "__streams.errors.message")).contains("RecordTooLarge");
    assertThat(header(dead.get(0), "tideway.dead-letter.omitted")).contains("over the");
  }

  @Test
  void aResultTheBrokerRefusesDeadLettersItsOwnInputNotTheRecordTheTaskWentOnTo(TestKafka kafka)
      throws Exception {
    List<ConsumerRecord<byte[], byte[]>> dead = refuseAResultAfterTheTaskWentOn(kafka, Map.of());
    // Read again under exactly-once, it was dead-lettered whole.
    assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("medium");
  }

  @Test
  void inputsWhoseResultsTheBrokerRefusesOneAfterTheOtherAreEachDeadLettered(TestKafka kafka)
      throws Exception {
    String echoes = kafka.createTopic("echoes", 1, Map.of("max.message.bytes", "16384"));
    deploy("echo.jar", io.tideway.fixtures.Echo.class, Map.of());
    String ledger = kafka.topicName("ledger");
    String dlq = Topics.deadLetters(new io.tideway.fixtures.Echo().applicationId()).name();
    try (KafkaProducer<String, String> postings = postings(kafka)) {
      postings.send(new ProducerRecord<>(ledger, "account-1", "medium"));
      postings.flush();
      readAll(kafka, dlq, records -> !records.isEmpty());
      // The broker refuses the second with the very exception object it refused the first with.
      postings.send(new ProducerRecord<>(ledger, "account-1", "medium"));
      postings.send(new ProducerRecord<>(ledger, "account-1", "later"));
    }

    assertThat(readAll(kafka, echoes, records -> !records.isEmpty()))
        .extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
        .containsExactly("later");
    assertThat(deadLettered("echo", "production", 2)).isEqualTo(2.0);
  }

  @Test
  void underAtLeastOnceARefusedResultsInputIsDeadLetteredByItsPlaceInTheLog(TestKafka kafka)
      throws Exception {
    List<ConsumerRecord<byte[], byte[]>> dead =
        refuseAResultAfterTheTaskWentOn(
            kafka, Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE));
    // Its bytes are gone by then: a re-drive reads it again from its place.
    assertThat(dead.get(0).value()).isNull();
    assertThat(header(dead.get(0), "__streams.errors.topic")).isEqualTo(kafka.topicName("ledger"));
  }

  @Test
  void underAtLeastOnceAReDriveOfAnInputWhoseResultTheBrokerRefusedIsNotDroppedAsADuplicate(
      TestKafka kafka) throws Exception {
    String echoes = kafka.createTopic("echoes", 1, Map.of("max.message.bytes", "16384"));
    deploy(
        "deduped-echo.jar",
        io.tideway.fixtures.DedupedEcho.class,
        Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE));
    String ledger = kafka.topicName("ledger");
    String medium = uuid();
    try (KafkaProducer<String, String> postings = postings(kafka)) {
      postings.send(posting(ledger, uuid(), "first"));
      postings.send(posting(ledger, medium, "medium"));
      for (int i = 0; i < 200; i++) {
        postings.send(posting(ledger, uuid(), "after-" + i));
      }
      List<ConsumerRecord<byte[], byte[]>> dead =
          readAll(
              kafka,
              Topics.deadLetters(new io.tideway.fixtures.DedupedEcho().applicationId()).name(),
              records -> !records.isEmpty());
      // Refused once the task had gone on: its processing had ended, its id remembered.
      assertThat(dead).singleElement().extracting(ConsumerRecord::value).isNull();

      // Its cause fixed, it is re-driven.
      kafka.setTopicConfig(echoes, "max.message.bytes", "1048576");
      postings.send(posting(ledger, medium, "medium")).get();
    }

    List<ConsumerRecord<byte[], byte[]>> echoed =
        readAll(kafka, echoes, records -> records.size() >= 202);
    assertThat(echoed).filteredOn(r -> r.value().length == 64 << 10).hasSize(1);
  }

  /**
   * Deploys the echo topology on a topic that takes 16 KiB at most: the producer sends the 64 KiB
   * echo of {@code medium}, the broker refuses it, and by the time it says so the task has gone on
   * to the records after it. Every other echo arrives; the one dead letter names {@code medium}.
   */
  private List<ConsumerRecord<byte[], byte[]>> refuseAResultAfterTheTaskWentOn(
      TestKafka kafka, Map<String, String> settings) throws Exception {
    String echoes = kafka.createTopic("echoes", 1, Map.of("max.message.bytes", "16384"));
    deploy("echo.jar", io.tideway.fixtures.Echo.class, settings);
    String ledger = kafka.topicName("ledger");
    List<String> expected = new ArrayList<>(List.of("first"));
    try (KafkaProducer<String, String> postings = postings(kafka)) {
      postings.send(new ProducerRecord<>(ledger, "account-1", "first"));
      postings.send(new ProducerRecord<>(ledger, null, MEDIUM_AT, "account-1", "medium"));
      for (int i = 0; i < 200; i++) {
        expected.add("after-" + i);
        postings.send(new ProducerRecord<>(ledger, "account-1", "after-" + i));
      }
    }

    List<ConsumerRecord<byte[], byte[]>> echoed =
        readAll(kafka, echoes, records -> records.size() >= expected.size());
    assertThat(echoed)
        .extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
        .containsExactlyElementsOf(expected);
    List<ConsumerRecord<byte[], byte[]>> dead =
        readAll(
            kafka,
            Topics.deadLetters(new io.tideway.fixtures.Echo().applicationId()).name(),
            records -> !records.isEmpty());
    assertThat(dead).singleElement();
    assertThat(header(dead.get(0), "__streams.errors.offset")).isEqualTo("1");
    assertThat(dead.get(0).timestamp())
        .as("the input's time, which --since reads")
        .isEqualTo(MEDIUM_AT);
    return dead;
  }

  @Test
  void punctuatorsResultsTheBrokerRefusesAreDeadLetteredThemselvesAndTheOthersPass(TestKafka kafka)
      throws Exception {
    List<ConsumerRecord<byte[], byte[]>> dead = refuseTwoReminders(kafka, Map.of());
    // Sent again after the failed transactions, each was refused at once instead.
    assertThat(dead)
        .allSatisfy(
            letter ->
                assertThat(header(letter, "__streams.errors.message"))
                    .contains("when it was last sent"));
    // The first was dead-lettered in a transaction that failed for the second, and again after
    // it: counted once, as the dead-letter topic holds it once for a reader of committed records.
    assertThat(deadLettered("reminders", "production", 2)).isEqualTo(2.0);
  }

  @Test
  void underAtLeastOncePunctuatorsResultsTheBrokerRefusesAreDeadLetteredThemselves(TestKafka kafka)
      throws Exception {
    List<ConsumerRecord<byte[], byte[]>> dead =
        refuseTwoReminders(
            kafka, Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE));
    assertThat(dead)
        .allSatisfy(
            letter ->
                assertThat(header(letter, "__streams.errors.exception"))
                    .endsWith("RecordTooLargeException"));
    assertThat(deadLettered("reminders", "production", 2)).isEqualTo(2.0);
  }

  /**
   * Deploys the reminders topology on a topic that takes 16 KiB at most: its punctuator's 64 KiB
   * reminders of {@code medium} and {@code medium-again}, sent in one punctuation, are refused by
   * the broker (under exactly-once, the second only once the first was dead-lettered: Kafka Streams
   * hands the first failure of a transaction alone to the handler). Every other reminder arrives,
   * then one sent after; the two dead letters are the reminders themselves, naming the topic they
   * were for.
   */
  private List<ConsumerRecord<byte[], byte[]>> refuseTwoReminders(
      TestKafka kafka, Map<String, String> settings) throws Exception {
    String reminders = kafka.createTopic("reminders", 1, Map.of("max.message.bytes", "16384"));
    deploy("reminders.jar", io.tideway.fixtures.Reminders.class, settings);
    String ledger = kafka.topicName("ledger");
    String dlq = Topics.deadLetters(new io.tideway.fixtures.Reminders().applicationId()).name();
    List<String> expected = new ArrayList<>(List.of("first"));
    List<ConsumerRecord<byte[], byte[]>> dead;
    try (KafkaProducer<String, String> postings = postings(kafka)) {
      postings.send(new ProducerRecord<>(ledger, "account-1", "first"));
      postings.send(new ProducerRecord<>(ledger, "account-1", "medium"));
      postings.send(new ProducerRecord<>(ledger, "account-1", "medium-again"));
      for (int i = 0; i < 20; i++) {
        expected.add("after-" + i);
        postings.send(new ProducerRecord<>(ledger, "account-1", "after-" + i));
      }
      postings.flush();
      dead = readAll(kafka, dlq, records -> records.size() >= 2);
      // Taken after the dead letters: the punctuator does not fail on refused results for ever.
      expected.add("later");
      postings.send(new ProducerRecord<>(ledger, "account-1", "later"));
    }

    List<ConsumerRecord<byte[], byte[]>> reminded =
        readAll(kafka, reminders, records -> records.size() >= expected.size());
    assertThat(reminded)
        .extracting(r -> new String(r.value(), StandardCharsets.UTF_8).replaceFirst("@.*", ""))
        .containsExactlyInAnyOrderElementsOf(expected);
    assertThat(dead)
        .extracting(letter -> header(letter, EventHeaders.ID))
        .containsExactlyInAnyOrder(
            UUID.nameUUIDFromBytes("reminder/medium".getBytes(StandardCharsets.UTF_8)).toString(),
            UUID.nameUUIDFromBytes("reminder/medium-again".getBytes(StandardCharsets.UTF_8))
                .toString());
    assertThat(dead)
        .allSatisfy(
            letter -> {
              assertThat(new String(letter.key(), StandardCharsets.UTF_8)).isEqualTo("account-1");
              assertThat(new String(letter.value(), StandardCharsets.UTF_8))
                  .startsWith("x".repeat(64 << 10) + "@");
              assertThat(header(letter, "tideway.result.destination")).isEqualTo(reminders);
              assertThat(letter.headers().lastHeader("__streams.errors.topic")).isNull();
              assertThat(header(letter, "__streams.errors.message"))
                  .contains("larger than the max message size");
            });
    return dead;
  }

  /**
   * The dead letters of a deployment's stage counted, once at least {@code expected} are: each is
   * counted as its transaction commits, about when a reader of committed records sees it.
   */
  private double deadLettered(String deployment, String stage, int expected) throws Exception {
    String series =
        "tideway_topology_dead_letters_total{deployment=\""
            + deployment
            + "\",stage=\""
            + stage
            + "\"";
    await().atMost(WAIT).until(() -> metricValue(get("/metrics").body(), series) >= expected);
    return metricValue(get("/metrics").body(), series);
  }

  @Test
  void refusesBadJarsWithClearErrorsAndLeavesRunningDeploymentsAlone() throws Exception {
    deploy("stock.jar", StockLevels.class, Map.of());

    assertThatThrownBy(
            () ->
                runtime.deploy(
                    FixtureJars.jar(dir, "empty.jar", List.of()), Map.of(), 1, false, false))
        .isInstanceOf(DeploymentException.class)
        .hasMessageContaining("empty.jar offers no topology");
    assertThatThrownBy(
            () ->
                runtime.deploy(
                    FixtureJars.jar(dir, "throws.jar", List.of(ThrowingTopology.class)),
                    Map.of(),
                    1,
                    false,
                    false))
        .hasMessageContaining("throws.jar: topology " + ThrowingTopology.class.getName())
        .hasMessageContaining("failed to build")
        .hasMessageContaining("cannot build without its settings");
    assertThatThrownBy(
            () ->
                runtime.deploy(
                    FixtureJars.jar(dir, "copy.jar", List.of(StockLevelsCopy.class)),
                    Map.of(),
                    1,
                    false,
                    false))
        .hasMessageContaining("application id " + new StockLevels().applicationId())
        .hasMessageContaining("already deployed");
    assertThatThrownBy(
            () ->
                runtime.deploy(
                    FixtureJars.jar(dir, "unnamed.jar", List.of(UnnamedStore.class)),
                    Map.of(),
                    1,
                    false,
                    false))
        .hasMessageContaining("generated names")
        .hasMessageContaining("KSTREAM-AGGREGATE-STATE-STORE-");
    Path notAJar = java.nio.file.Files.writeString(dir.resolve("notes.jar"), "not a jar");
    assertThatThrownBy(() -> runtime.deploy(notAJar, Map.of(), 1, false, false))
        .hasMessageContaining("is not a jar");

    assertThat(runtime.deployments())
        .extracting(DeploymentStatus::name)
        .containsExactly("stock-levels");
    String product = uuid();
    send(product, bytes(adjusted(product, 1)), uuid());
    producer.flush();
    awaitValue("stock-adjustments", product, 1);

    assertThat(runtime.undeploy("stock-levels")).isPresent();
    assertThat(runtime.deployments()).isEmpty();
    assertThat(get("/v1/stores/stock-adjustments/keys/" + product).statusCode()).isEqualTo(404);
    // Another instance forwarding here has not seen the undeploy yet: it is to ask again.
    HttpResponse<String> forwarded =
        get("/v1/stores/stock-adjustments/keys/" + product + "?forwarded=true");
    assertThat(forwarded.statusCode()).isEqualTo(503);
    assertThat(forwarded.headers().firstValue("Retry-After")).isPresent();
  }

  @Test
  void anAggregatesHistoryHoldsNoEventOfAnotherWhoseIdStartsWithItsAndASlash() throws Exception {
    deploy("history.jar", ProductHistory.class, Map.of());
    String shelf = "shelf-" + uuid();
    send(shelf, bytes(adjusted(uuid(), 1)), uuid());
    send(shelf + "/bin-9", bytes(adjusted(uuid(), 2)), uuid());
    send(shelf, bytes(adjusted(uuid(), 3)), uuid());
    producer.flush();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        JSON.readTree(get("/v1/aggregates/product/" + shelf + "/events").body())
                            .path("events")
                            .findValuesAsText("stock"))
                    .containsExactly("1", "3"));
    String bin = "/v1/aggregates/product/" + (shelf + "/bin-9").replace("/", "%2F") + "/events";
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(JSON.readTree(get(bin).body()).path("events").findValuesAsText("stock"))
                    .containsExactly("2"));
    // A page at a time, to the end: the other aggregate's event is outside the pages' range.
    List<String> paged = new ArrayList<>();
    String page = "/v1/aggregates/product/" + shelf + "/events?limit=1";
    for (int pages = 0; page != null; pages++) {
      assertThat(pages).isLessThan(3);
      JsonNode answer = JSON.readTree(get(page).body());
      paged.addAll(answer.path("events").findValuesAsText("stock"));
      page =
          answer.path("next").isNull()
              ? null
              : "/v1/aggregates/product/"
                  + shelf
                  + "/events?limit=1&cursor="
                  + URLEncoder.encode(answer.path("next").asText(), StandardCharsets.UTF_8);
    }
    assertThat(paged).containsExactly("1", "3");
  }

  @Test
  void anUpgradeThatCannotStartLeavesTheRunningVersionRunning(TestKafka kafka) throws Exception {
    Path jar = FixtureJars.jar(dir, "stock.jar", List.of(StockLevels.class));
    String product = deployCountingOneAdjustment(jar);

    // Wrong settings, of Kafka Streams or of its clients, are refused before anything stops.
    assertThatThrownBy(
            () -> runtime.deploy(jar, Map.of("processing.guarantee", "bogus"), 1, true, false))
        .isInstanceOf(DeploymentException.class)
        .hasMessageContaining(
            "stock.jar: topology stock-levels has Kafka Streams settings it cannot start with")
        .hasMessageContaining("processing.guarantee");
    assertThatThrownBy(() -> runtime.deploy(jar, Map.of("producer.acks", "bogus"), 1, false, false))
        .isInstanceOf(DeploymentException.class)
        .hasMessageContaining("acks");
    // A client that fails to start keeps its state directory locked: were the running version
    // stopped for it, it could not start again. Its metrics it leaves registered, unless removed.
    Set<ObjectName> streamsMBeans = streamsMBeans();
    assertThatThrownBy(
            () ->
                runtime.deploy(
                    jar,
                    Map.of(
                        "main.consumer.interceptor.classes", RefusingInterceptor.class.getName()),
                    1,
                    false,
                    false))
        .isInstanceOf(DeploymentException.class)
        .hasMessageContaining("this interceptor refuses to start");
    assertThat(streamsMBeans()).isEqualTo(streamsMBeans);
    // A failure once the old version stopped (here: its input cannot be created, as its name
    // collides with another's) starts it again.
    deployOntoACollidingInput(kafka, jar, false);
    // The trial makes the classes that settings name from the jar, as the start does.
    runtime.deploy(
        jar,
        Map.of("main.consumer.interceptor.classes", JarOnlyInterceptor.class.getName()),
        1,
        false,
        false);

    assertThat(runtime.deployments())
        .extracting(DeploymentStatus::name)
        .containsExactly("stock-levels");
    send(product, bytes(adjusted(product, 2)), uuid());
    producer.flush();
    awaitValue("stock-adjustments", product, 2);
    assertThat(runtime.ready()).isTrue();
  }

  @Test
  void anUpgradeWithAResetThatFailsAfterTheResetIsNotStartedAgainOverTheDeletedState(
      TestKafka kafka) throws Exception {
    Path jar = FixtureJars.jar(dir, "stock.jar", List.of(StockLevels.class));
    String product = deployCountingOneAdjustment(jar);

    // The reset is done, then the start fails: its input cannot be created, as its name collides.
    deployOntoACollidingInput(kafka, jar, true);

    assertThat(runtime.deployments())
        .extracting(DeploymentStatus::name, DeploymentStatus::state)
        .containsExactly(tuple("stock-levels", "NOT_RUNNING"));
    // The version listed, the one that ran, is the one journalled, with its own settings.
    JsonNode journalled =
        JSON.readTree(dir.resolve("state").resolve("deployments.json").toFile())
            .get("stock-levels");
    assertThat(journalled.path("unfinishedReset").asText()).isEqualTo("earliest");
    assertThat(journalled.path("settings").isEmpty()).isTrue();
    assertThatThrownBy(() -> runtime.deploy(jar, Map.of(), 1, false, false))
        .isInstanceOf(DeploymentException.class)
        .hasMessageContaining("A reset of stock-levels to earliest did not finish");
    // Nor does a restart run the old version over its deleted changelogs.
    runtime.close();
    runtime =
        TopologyRuntime.start(
            settings(kafka), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    assertThat(runtime.deployments())
        .extracting(DeploymentStatus::name, DeploymentStatus::state)
        .containsExactly(tuple("stock-levels", "NOT_RUNNING"));

    runtime.deploy(jar, Map.of(), 1, false, true);
    await().atMost(WAIT).until(() -> runtime.deployments().get(0).state().equals("RUNNING"));
    awaitValue("stock-adjustments", product, 1);
  }

  /** Deploys the jar and waits until it counted one adjustment of a new product; returns it. */
  private String deployCountingOneAdjustment(Path jar) throws Exception {
    runtime.deploy(jar, Map.of(), 1, false, false);
    String product = uuid();
    send(product, bytes(adjusted(product, 1)), uuid());
    producer.flush();
    awaitValue("stock-adjustments", product, 1);
    return product;
  }

  /**
   * Deploys the jar again with its input renamed onto a name that collides with an existing topic's
   * ({@code inventory_renamed} and {@code inventory.renamed}), which fails once the running version
   * has stopped (and, with {@code reset}, its state is reset).
   */
  private void deployOntoACollidingInput(TestKafka kafka, Path jar, boolean reset) {
    String colliding = kafka.createTopic("inventory_renamed", 1).replace('_', '.');
    assertThatThrownBy(
            () ->
                runtime.deploy(
                    jar,
                    Map.of(
                        DeploymentContext.TOPIC_RENAME_PREFIX + Topics.INVENTORY_EVENTS.name(),
                        colliding),
                    1,
                    false,
                    reset))
        .hasMessageContaining(colliding);
  }

  /** The MBeans Kafka Streams registers, for every client of this JVM. */
  private static Set<ObjectName> streamsMBeans() throws Exception {
    return ManagementFactory.getPlatformMBeanServer()
        .queryNames(new ObjectName("kafka.streams:*"), null);
  }

  @Test
  void deploysChecksQueriesAndUndeploysThroughTheClient() throws Exception {
    RuntimeClient client = new RuntimeClient(runtime.url());
    Path jar = FixtureJars.jar(dir, "stock.jar", List.of(StockLevels.class));

    List<DeploymentStatus> checked = client.deploy(jar, Map.of(), 2, true, false);
    assertThat(checked).extracting(DeploymentStatus::state).containsExactly("CHECKED");
    assertThat(client.deployments()).isEmpty();

    List<DeploymentStatus> deployed =
        client.deploy(jar, Map.of("commit.interval.ms", "50"), 2, false, false);
    assertThat(deployed).extracting(DeploymentStatus::instances).containsExactly(2);
    await().atMost(WAIT).until(() -> get("/health/ready").statusCode() == 200);

    String product = uuid();
    send(product, bytes(adjusted(product, 2)), uuid());
    producer.flush();
    await()
        .atMost(WAIT)
        .ignoreExceptionsInstanceOf(RuntimeClient.RuntimeError.class)
        .untilAsserted(
            () ->
                assertThat(client.get("stock-adjustments", product, false).path("value").asLong())
                    .isEqualTo(1));
    assertThatThrownBy(() -> client.get("stock-adjustments", uuid(), false))
        .isInstanceOf(RuntimeClient.RuntimeError.class)
        .hasMessageContaining("No key");
    assertThat(client.deployment("stock-levels").state()).isEqualTo("RUNNING");
    assertThat(get("/metrics").body())
        .contains("tideway_topology_e2e_latency_seconds_count{deployment=\"stock-levels\"}");

    assertThat(client.undeploy("stock-levels").name()).isEqualTo("stock-levels");
    assertThat(get("/metrics").body()).doesNotContain("deployment=\"stock-levels\"");
    assertThatThrownBy(() -> client.undeploy("stock-levels"))
        .hasMessageContaining("No deployment named stock-levels");
  }

  @Test
  void stoppingLetsTheQueriesUnderWayFinish() throws Exception {
    deploy("stock.jar", StockLevels.class, Map.of());
    await().atMost(WAIT).until(() -> get("/health/ready").statusCode() == 200);
    String url = runtime.url();
    CompletableFuture<HttpResponse<String>> waiting =
        http.sendAsync(
            HttpRequest.newBuilder(
                    URI.create(
                        url
                            + "/v1/stores/stock-levels/keys/"
                            + uuid()
                            + "?waitFor="
                            + uuid()
                            + "&timeout=3s"))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    await()
        .atMost(WAIT)
        .until(() -> metricValue(get("/metrics").body(), "tideway_query_lookups_pending") == 1.0);

    runtime.close();

    HttpResponse<String> answer = waiting.get(10, TimeUnit.SECONDS);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(504);
    assertThatThrownBy(
            () ->
                http.send(
                    HttpRequest.newBuilder(URI.create(url + "/health/live")).GET().build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
  }

  @Test
  void aKeyIsLookedUpByItsPercentEncodedPathSegment() throws Exception {
    deploy("stock.jar", StockLevels.class, Map.of());
    await().atMost(WAIT).until(() -> get("/health/ready").statusCode() == 200);
    String product = "shelf 7/b+ü " + uuid();
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(input, product, bytes(adjusted(uuid(), 5)));
    record.headers().add(EventHeaders.ID, uuid().getBytes(StandardCharsets.UTF_8));
    producer.send(record);
    producer.flush();
    String path =
        "/v1/stores/stock-levels/keys/"
            + URLEncoder.encode(product, StandardCharsets.UTF_8).replace("+", "%20");

    await().atMost(WAIT).until(() -> get(path).statusCode() == 200);
    JsonNode body = query("stock-levels", path.substring(path.lastIndexOf('/') + 1));
    assertThat(body.path("key").asText()).isEqualTo(product);
    assertThat(body.path("value").path("stock").asInt()).isEqualTo(5);
    assertThat(get("/v1/stores/stock-levels/keys/%E2%82").statusCode()).isEqualTo(400);
  }

  @Test
  void aQueryWaitingForAnEventIsAnsweredOnceItIsProcessed() throws Exception {
    deploy("stock.jar", StockLevels.class, Map.of());
    await().atMost(WAIT).until(() -> get("/health/ready").statusCode() == 200);
    String product = uuid();
    String base = "/v1/stores/stock-levels/keys/" + product;

    for (int stock = 1; stock <= 3; stock++) {
      String event = uuid();
      ProducerRecord<String, byte[]> record =
          new ProducerRecord<>(input, product, bytes(adjusted(product, stock)));
      record.headers().add(EventHeaders.ID, event.getBytes(StandardCharsets.UTF_8));
      record
          .headers()
          .add(
              EventHeaders.OCCURRED_AT,
              String.valueOf(System.currentTimeMillis()).getBytes(StandardCharsets.UTF_8));
      Instant sent = Instant.now();
      producer.send(record);
      producer.flush();

      HttpResponse<String> answer = get(base + "?waitFor=" + event + "&timeout=20s");
      Instant answered = Instant.now();
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      JsonNode body = JSON.readTree(answer.body());
      assertThat(body.path("value").path("stock").asInt()).isEqualTo(stock);
      // Millisecond clocks: the processing time lies between the send and the answer.
      assertThat(Instant.parse(body.path("processedAt").asText()))
          .isBetween(sent.truncatedTo(ChronoUnit.MILLIS), answered);
    }

    HttpResponse<String> late = get(base + "?waitFor=" + uuid() + "&timeout=300ms");
    assertThat(late.statusCode()).isEqualTo(504);
    assertThat(late.body()).contains("was not processed into store stock-levels within 300 ms");
    assertThat(get(base + "?waitFor=x&timeout=soon").statusCode()).isEqualTo(400);
    assertThat(get(base + "?waitFor=x&timeout=31s").statusCode()).isEqualTo(400);
    String scrape = get("/metrics").body();
    assertThat(metricValue(scrape, "tideway_topology_e2e_latency_seconds_count")).isEqualTo(3.0);
    // Every lookup above is timed by its answer's status: three found, one late, two malformed.
    assertThat(metricValue(scrape, "tideway_query_lookups_seconds_count{status=\"200\"}"))
        .isEqualTo(3.0);
    assertThat(metricValue(scrape, "tideway_query_lookups_seconds_count{status=\"504\"}"))
        .isEqualTo(1.0);
    assertThat(metricValue(scrape, "tideway_query_lookups_seconds_count{status=\"400\"}"))
        .isEqualTo(2.0);
    assertThat(
            metricValue(scrape, "tideway_query_lookups_seconds_bucket{status=\"504\",le=\"0.25\"}"))
        .as("the late one waited its 300 ms")
        .isZero();
    assertThat(
            metricValue(scrape, "tideway_query_lookups_seconds_bucket{status=\"504\",le=\"1.0\"}"))
        .isEqualTo(1.0);

    // Undeployed while a query waits: it cannot be answered, which is no timeout.
    CompletableFuture<HttpResponse<String>> waiting =
        http.sendAsync(
            HttpRequest.newBuilder(
                    URI.create(runtime.url() + base + "?waitFor=" + uuid() + "&timeout=20s"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Thread.sleep(500);
    runtime.undeploy("stock-levels");
    HttpResponse<String> gone = waiting.get(10, TimeUnit.SECONDS);
    assertThat(gone.statusCode()).as(gone.body()).isEqualTo(503);
    assertThat(gone.body()).contains("its deployment went away while the query waited");
  }

  @Test
  void aQueryWaitingForAnEventWaitsForTheBranchesToItsStoreAndHearsAtOnceWhenOneFailedIt(
      TestKafka kafka) throws Exception {
    deploy("branches.jar", io.tideway.fixtures.TwoBranches.class, Map.of());
    await().atMost(WAIT).until(() -> get("/health/ready").statusCode() == 200);
    try (KafkaProducer<String, String> postings = postings(kafka)) {
      for (int posting = 1; posting <= 2; posting++) {
        String event = postWithId(postings, kafka, "5");

        // The branch that writes nothing is done first; the count only 300 ms later.
        HttpResponse<String> answer =
            get("/v1/stores/branch-counts/keys/account-1?waitFor=" + event + "&timeout=20s");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(JSON.readTree(answer.body()).path("value").asLong()).isEqualTo(posting);
      }

      // A failure in the branch that does not lead to the store holds nothing up.
      String lookFails = postWithId(postings, kafka, "fails-look");
      HttpResponse<String> counted =
          get("/v1/stores/branch-counts/keys/account-1?waitFor=" + lookFails + "&timeout=20s");
      assertThat(counted.statusCode()).as(counted.body()).isEqualTo(200);
      assertThat(JSON.readTree(counted.body()).path("value").asLong()).isEqualTo(3);

      // One in the branch that does is answered at once, not at the timeout.
      String countFails = postWithId(postings, kafka, "fails-count");
      long asked = System.nanoTime();
      HttpResponse<String> failed =
          get("/v1/stores/branch-counts/keys/account-1?waitFor=" + countFails + "&timeout=20s");
      assertThat(failed.statusCode()).as(failed.body()).isEqualTo(422);
      assertThat(JSON.readTree(failed.body()).path("error").asText())
          .contains("Event " + countFails + " failed in processor slow")
          .contains("store branch-counts");
      assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(15));
    }
  }

  /** Posts an amount to account-1 with an event id of its own, and returns the id. */
  private static String postWithId(
      KafkaProducer<String, String> postings, TestKafka kafka, String amount) throws Exception {
    String event = uuid();
    ProducerRecord<String, String> record =
        new ProducerRecord<>(kafka.topicName("ledger"), "account-1", amount);
    record.headers().add(EventHeaders.ID, event.getBytes(StandardCharsets.UTF_8));
    postings.send(record).get();
    return event;
  }

  @Test
  void queriesWaitingForEventsHoldNoThreadOfTheServer() throws Exception {
    deploy("stock.jar", StockLevels.class, Map.of());
    await().atMost(WAIT).until(() -> get("/health/ready").statusCode() == 200);
    String product = uuid();
    List<String> events = new ArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
    // Five times as many as the server has threads.
    for (int i = 0; i < 40; i++) {
      String event = uuid();
      events.add(event);
      waiting.add(
          http.sendAsync(
              HttpRequest.newBuilder(
                      URI.create(
                          runtime.url()
                              + "/v1/stores/stock-levels/keys/"
                              + product
                              + "?waitFor="
                              + event
                              + "&timeout=20s"))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    sleep(1_000);
    assertThat(waiting).noneMatch(CompletableFuture::isDone);
    // Served by the same pool: answered while all of them wait, not after.
    long asked = System.nanoTime();
    assertThat(get("/v1/stores").statusCode()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(5));

    for (int i = 0; i < events.size(); i++) {
      send(product, bytes(adjusted(product, i + 1)), events.get(i));
    }
    producer.flush();
    for (CompletableFuture<HttpResponse<String>> answer : waiting) {
      assertThat(answer.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void answersWindowStoresBetweenTwoTimesAndVersionedStoresAsOfATime() throws Exception {
    deploy("stock.jar", StockLevels.class, Map.of());
    String product = uuid();
    Instant ten = Instant.parse("2026-01-01T10:00:00Z");
    int stock = 0;
    for (Instant at : List.of(ten, ten.plusSeconds(1800), ten.plusSeconds(7800))) {
      ProducerRecord<String, byte[]> record =
          new ProducerRecord<>(
              input, null, at.toEpochMilli(), product, bytes(adjusted(product, ++stock)));
      record.headers().add(EventHeaders.ID, uuid().getBytes(StandardCharsets.UTF_8));
      producer.send(record);
    }
    producer.flush();
    awaitValue("stock-adjustments", product, 3);

    // Window queries read what the cache has flushed, at the next commit.
    String hours = "?from=2026-01-01T09:00:00Z&to=" + ten.plusSeconds(4 * 3600).toEpochMilli();
    await()
        .atMost(WAIT)
        .until(
            () -> get("/v1/stores/hourly-adjustments/keys/" + product + hours).statusCode() == 200);
    JsonNode windows = query("hourly-adjustments", product + hours).path("value");
    assertThat(windows).hasSize(2);
    assertThat(windows.get(0).path("windowStart").asText()).isEqualTo("2026-01-01T10:00:00Z");
    assertThat(windows.get(0).path("value").asLong()).isEqualTo(2);
    assertThat(windows.get(1).path("windowStart").asText()).isEqualTo("2026-01-01T12:00:00Z");
    assertThat(windows.get(1).path("value").asLong()).isEqualTo(1);

    JsonNode asOf = query("stock-history", product + "?asOf=2026-01-01T10:45:00Z").path("value");
    assertThat(asOf.path("value").path("stock").asInt()).isEqualTo(2);
    assertThat(asOf.path("validFrom").asText()).isEqualTo("2026-01-01T10:30:00Z");
    assertThat(asOf.path("validTo").asText()).isEqualTo("2026-01-01T12:10:00Z");

    HttpResponse<String> noWindow = get("/v1/stores/hourly-adjustments/keys/" + product);
    assertThat(noWindow.statusCode()).isEqualTo(400);
    assertThat(noWindow.body()).contains("is a window store");
    // A refusal, not a rebalance to come back after.
    HttpResponse<String> scan = get("/v1/stores/hourly-adjustments/keys?limit=10");
    assertThat(scan.statusCode()).as(scan.body()).isEqualTo(400);
    assertThat(scan.headers().firstValue("Retry-After")).isEmpty();
    assertThat(scan.body()).contains("cannot be scanned (a window or session store)");
    // The latest value of a versioned store reads like a key-value store's.
    assertThat(query("stock-history", product).path("value").path("stock").asInt()).isEqualTo(3);
    HttpResponse<String> future =
        get("/v1/stores/stock-history/keys/" + product + "?asOf=" + Instant.now().plusSeconds(60));
    assertThat(future.statusCode()).isEqualTo(400);
    assertThat(future.body()).contains("is in the future");
    Instant forgotten = Instant.now().minus(StockLevels.STOCK_HISTORY).minusSeconds(3600);
    HttpResponse<String> beyond =
        get("/v1/stores/stock-history/keys/" + product + "?asOf=" + forgotten.toEpochMilli());
    assertThat(beyond.statusCode()).isEqualTo(400);
    assertThat(beyond.body()).contains("further back than store stock-history keeps history");
    assertThat(
            get("/v1/stores/stock-adjustments/keys/" + product + "?asOf=2026-01-01T10:00:00Z")
                .statusCode())
        .isEqualTo(400);
    assertThat(get("/v1/stores/stock-history/keys/" + product + "?asOf=yesterday").statusCode())
        .isEqualTo(400);
    assertThat(sentAsWritten("/v1/stores/stock-history/keys/" + product + "?asOf=%ZZ"))
        .startsWith("HTTP/1.1 400")
        .contains("Malformed query string");
    assertThat(get("/v1/stores/stock-history/keys/" + product + "?waitFor=").statusCode())
        .isEqualTo(400);
    assertThat(
            get("/v1/stores/hourly-adjustments/keys/" + product + "?from=2026-01-01T09:00:00Z")
                .statusCode())
        .isEqualTo(400);
    assertThat(
            get("/v1/stores/hourly-adjustments/keys/"
                    + product
                    + "?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z")
                .statusCode())
        .isEqualTo(404);
  }

  @Test
  void aWindowLookupWaitingForAnEventSeesItThoughTheStoreCacheHoldsIt() throws Exception {
    // Window queries read past the store cache, which a commit flushes: seconds apart here.
    deploy("stock.jar", StockLevels.class, Map.of("commit.interval.ms", "4000"));
    await().atMost(WAIT).until(() -> get("/health/ready").statusCode() == 200);
    String product = uuid();
    Instant ten = Instant.parse("2026-01-01T10:00:00Z");
    String hour = "?from=" + ten + "&to=" + ten;

    for (int count = 1; count <= 2; count++) {
      String event = uuid();
      send(product, bytes(adjusted(product, count)), event, ten.plusSeconds(count));
      producer.flush();
      HttpResponse<String> answer =
          get(
              "/v1/stores/hourly-adjustments/keys/"
                  + product
                  + hour
                  + "&waitFor="
                  + event
                  + "&timeout=20s");
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      JsonNode windows = JSON.readTree(answer.body()).path("value");
      assertThat(windows).hasSize(1);
      assertThat(windows.get(0).path("value").asLong()).isEqualTo(count);
    }
    // An event that wrote nothing to the window store (too late for any window of it) is waited
    // for no longer than a commit.
    String other = uuid();
    send(product, bytes(adjusted(product, 3)), other, ten.minus(Duration.ofDays(1)));
    producer.flush();
    HttpResponse<String> unchanged =
        get(
            "/v1/stores/hourly-adjustments/keys/"
                + product
                + hour
                + "&waitFor="
                + other
                + "&timeout=20s");
    assertThat(unchanged.statusCode()).as(unchanged.body()).isEqualTo(200);
    assertThat(JSON.readTree(unchanged.body()).path("value").get(0).path("value").asLong())
        .isEqualTo(2);
  }

  @Test
  void aRestartedRuntimeRunsItsDeploymentsAgainWithTheirState(TestKafka kafka) throws Exception {
    deploy("stock.jar", StockLevels.class, Map.of());
    deploy("balances.jar", io.tideway.fixtures.Balances.class, Map.of());
    runtime.undeploy("balances");
    String product = uuid();
    send(product, bytes(adjusted(product, 1)), uuid());
    producer.flush();
    awaitValue("stock-adjustments", product, 1);

    runtime.close();
    runtime =
        TopologyRuntime.start(
            settings(kafka), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));

    assertThat(runtime.deployments())
        .extracting(DeploymentStatus::name)
        .containsExactly("stock-levels");
    send(product, bytes(adjusted(product, 2)), uuid());
    producer.flush();
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(query("stock-adjustments", product).path("value").asLong())
                    .isEqualTo(2));
  }

  @Test
  void aRestartedRuntimeRunsEachDeploymentFromTheJarItWasLastDeployedFrom(TestKafka kafka)
      throws Exception {
    // Restarted where it ran, so that its group's static members are its own.
    RuntimeSettings samePlace;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      samePlace = settings(kafka).withHttp("127.0.0.1", free.getLocalPort());
    }
    runtime.close();
    runtime =
        TopologyRuntime.start(samePlace, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    kafka.createTopic("audit", 3);
    runtime.deploy(
        FixtureJars.jar(dir, "both.jar", List.of(StockLevels.class, AdjustmentAudit.class)),
        Map.of(),
        1,
        false,
        false);
    // stock-levels alone is upgraded from another jar: both.jar still holds its first version.
    runtime.deploy(
        FixtureJars.jar(dir, "stock-v2.jar", List.of(StockLevelsV2.class)),
        Map.of(),
        1,
        false,
        true);

    runtime.close();
    runtime =
        TopologyRuntime.start(samePlace, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));

    assertThat(runtime.deployments())
        .extracting(
            DeploymentStatus::name, status -> Path.of(status.jar()).getFileName().toString())
        .containsExactlyInAnyOrder(
            tuple("adjustment-audit", "both.jar"), tuple("stock-levels", "stock-v2.jar"));
    String product = uuid();
    send(product, bytes(adjusted(product, 1)), uuid());
    producer.flush();
    awaitValue("stock-counts", product, 1);

    // Left out for one start, what ran from a jar runs again at the next.
    runtime.close();
    runtime =
        TopologyRuntime.start(
            samePlace.withJarsNotResumed(jar -> jar.getFileName().toString().equals("both.jar")),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    assertThat(runtime.deployments())
        .extracting(DeploymentStatus::name)
        .containsExactly("stock-levels");
    runtime.close();
    runtime =
        TopologyRuntime.start(samePlace, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    assertThat(runtime.deployments())
        .extracting(DeploymentStatus::name)
        .containsExactlyInAnyOrder("adjustment-audit", "stock-levels");
  }

  @Test
  void upgradesKeepStateAndABreakingUpgradeNeedsAReset() throws Exception {
    Path v1 = FixtureJars.jar(dir, "stock-v1.jar", List.of(StockLevels.class));
    Path v2 = FixtureJars.jar(dir, "stock-v2.jar", List.of(StockLevelsV2.class));
    runtime.deploy(v1, Map.of(), 1, false, false);
    String product = uuid();
    send(product, bytes(adjusted(product, 2)), uuid());
    producer.flush();
    awaitValue("stock-adjustments", product, 1);

    // the same version again replaces the running one and keeps its state: nothing counted twice
    runtime.deploy(v1, Map.of(), 1, false, false);
    send(product, bytes(adjusted(product, 3)), uuid());
    producer.flush();
    awaitValue("stock-adjustments", product, 2);

    // one that keeps the store's name but makes it a window store could not read it: refused
    Path daily = FixtureJars.jar(dir, "stock-daily.jar", List.of(StockLevelsDailyCount.class));
    assertThatThrownBy(() -> runtime.deploy(daily, Map.of(), 1, true, false))
        .isInstanceOf(DeploymentException.class)
        .hasMessageContaining(
            "store stock-adjustments changed from key-value to window (its changelog could not be"
                + " read)");

    // a version that renames the count store would lose it: refused, v1 keeps running
    assertThatThrownBy(() -> runtime.deploy(v2, Map.of(), 1, false, false))
        .isInstanceOf(DeploymentException.class)
        .hasMessageContaining("stock-v2.jar breaks what runs")
        .hasMessageContaining("deployed before from stock-v1.jar")
        .hasMessageContaining("store stock-adjustments removed");
    assertThat(runtime.deployments())
        .extracting(DeploymentStatus::jar)
        .containsExactly("stock-v1.jar");
    List<DeploymentStatus> checked = runtime.deploy(v2, Map.of(), 1, true, true);
    assertThat(checked.get(0).removed()).anyMatch(change -> change.contains("stock-adjustments"));
    assertThat(checked.get(0).added()).anyMatch(change -> change.contains("stock-counts"));

    // with a reset it starts from scratch and recomputes from the input
    runtime.deploy(v2, Map.of(), 1, false, true);
    awaitValue("stock-counts", product, 2);
    assertThat(get("/v1/stores/stock-adjustments/keys/" + product).statusCode()).isEqualTo(404);
  }

  private RuntimeSettings settings(TestKafka kafka) {
    return settings(kafka, dir.resolve("state"));
  }

  private RuntimeSettings settings(TestKafka kafka, Path stateDir) {
    return RuntimeSettings.of(kafka.bootstrapServers(), stateDir)
        .withDeploymentDefaults(
            Map.of(
                AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG,
                "mock://" + scope,
                DeploymentContext.TOPIC_RENAME_PREFIX + Topics.INVENTORY_EVENTS.name(),
                input,
                DeploymentContext.TOPIC_RENAME_PREFIX + "ledger",
                kafka.topicName("ledger"),
                AdjustmentAudit.AUDIT_TOPIC,
                kafka.topicName("audit"),
                DeploymentContext.TOPIC_RENAME_PREFIX + "echoes",
                kafka.topicName("echoes"),
                DeploymentContext.TOPIC_RENAME_PREFIX + "reminders",
                kafka.topicName("reminders")));
  }

  /** Waits until the store holds {@code expected} for the key. */
  @Test
  void resetShowsItsPlanThenReplaysTheInputsFromATime(TestKafka kafka) throws Exception {
    deployAudit(kafka);
    Instant now = Instant.now();
    String product = sendSixOldAndFourRecentAdjustments(now);
    String applicationId = runtime.deployments().get(0).applicationId();
    await()
        .atMost(WAIT)
        .until(
            () -> committed(kafka, applicationId).values().stream().mapToLong(l -> l).sum() == 10);

    // Another application's, whose id begins with this one's: the reset tool left to itself would
    // take it for this one's and delete it.
    String neighbours = applicationId + "-archive-audit-counts-changelog";
    kafka.admin().createTopics(List.of(new NewTopic(neighbours, 1, (short) 1))).all().get();

    ResetPlan plan = runtime.reset("adjustment-audit", now.minus(Duration.ofHours(1)), true);

    assertThat(plan.dryRun()).isTrue();
    assertThat(plan.internalTopics()).doesNotContain(neighbours);
    assertThat(plan.partitions()).hasSize(3);
    ResetPlan.PartitionReset moved =
        plan.partitions().stream()
            .filter(p -> p.from() != null && p.from() == 10)
            .findFirst()
            .orElseThrow();
    assertThat(moved.to()).isEqualTo(6);
    assertThat(moved.topic()).isEqualTo(input);
    assertThat(plan.internalTopics()).contains(applicationId + "-audit-counts-changelog");
    assertThat(committed(kafka, applicationId).values().stream().mapToLong(l -> l).sum())
        .isEqualTo(10);
    assertThat(query("audit-counts", product).path("value").asLong()).isEqualTo(10);

    assertThatThrownBy(() -> runtime.reset("adjustment-audit", now.plusSeconds(3600), false))
        .isInstanceOf(DeploymentException.class)
        .hasMessageContaining("in the future");
    assertThatThrownBy(() -> runtime.reset("no-such", null, true))
        .isInstanceOf(NoSuchDeploymentException.class);

    runtime.reset("adjustment-audit", now.minus(Duration.ofHours(1)), false);
    awaitValue("audit-counts", product, 4);
    assertThat(runtime.deployments().get(0).state()).isEqualTo("RUNNING");
    assertThat(kafka.admin().listTopics().names().get()).contains(neighbours);
    kafka.admin().deleteTopics(List.of(neighbours)).all().get();
    assertThat(metricValue(get("/metrics").body(), "operation=\"reset\",outcome=\"done\""))
        .isEqualTo(1.0);
  }

  @Test
  void aResetCutShortByTheRuntimeStoppingIsFinishedBeforeTheDeploymentRunsAgain(TestKafka kafka)
      throws Exception {
    // Restarted where it ran, so that its group's static members are its own.
    RuntimeSettings samePlace;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      samePlace = settings(kafka).withHttp("127.0.0.1", free.getLocalPort());
    }
    runtime.close();
    runtime =
        TopologyRuntime.start(samePlace, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    Path jar = deployAudit(kafka);
    Instant now = Instant.now();
    String product = sendSixOldAndFourRecentAdjustments(now);
    Instant target = now.minus(Duration.ofHours(1));

    // given: the runtime stopped in the middle of a reset, as the journal tells
    runtime.close();
    Path journal = dir.resolve("state").resolve("deployments.json");
    ObjectNode entries = (ObjectNode) JSON.readTree(journal.toFile());
    ((ObjectNode) entries.get("adjustment-audit")).put("unfinishedReset", target.toString());
    JSON.writeValue(journal.toFile(), entries);

    // when
    runtime =
        TopologyRuntime.start(samePlace, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));

    // then: listed but stopped, and only a reset (or an undeploy) gets it going
    assertThat(runtime.deployments())
        .extracting(DeploymentStatus::name, DeploymentStatus::state)
        .containsExactly(tuple("adjustment-audit", "NOT_RUNNING"));
    assertThat(runtime.ready()).isFalse();
    assertThat(get("/v1/stores/audit-counts/keys/" + product).statusCode()).isEqualTo(503);
    assertThatThrownBy(() -> runtime.deploy(jar, Map.of(), 1, false, false))
        .isInstanceOf(DeploymentException.class)
        .hasMessageContaining("A reset of adjustment-audit to " + target + " did not finish");
    assertThatThrownBy(() -> runtime.rebuild("adjustment-audit", false, Set.of()))
        .isInstanceOf(DeploymentException.class)
        .hasMessageContaining("did not finish");

    runtime.reset("adjustment-audit", target, false);
    awaitValue("audit-counts", product, 4);
    runtime.close();
    runtime =
        TopologyRuntime.start(samePlace, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    await().atMost(WAIT).until(() -> runtime.deployments().get(0).state().equals("RUNNING"));
  }

  /** Deploys the audit fixture, whose counts a reset recomputes; returns its jar. */
  private Path deployAudit(TestKafka kafka) throws Exception {
    kafka.createTopic("audit", 3);
    Path jar = FixtureJars.jar(dir, "audit.jar", List.of(AdjustmentAudit.class));
    runtime.deploy(jar, Map.of(), 1, false, false);
    return jar;
  }

  /**
   * Sends ten adjustments of a new product, six stamped two hours before {@code now} and four ten
   * minutes before, and waits until all ten are counted; returns the product.
   */
  private String sendSixOldAndFourRecentAdjustments(Instant now) throws Exception {
    String product = uuid();
    for (int i = 0; i < 10; i++) {
      Instant at = i < 6 ? now.minus(Duration.ofHours(2)) : now.minus(Duration.ofMinutes(10));
      send(product, bytes(adjusted(product, i)), uuid(), at);
    }
    producer.flush();
    awaitValue("audit-counts", product, 10);
    return product;
  }

  @Test
  void rebuildTakesOverWithNoFailedQueryNoValueGoingBackAndHistoryActedOnOnce(TestKafka kafka)
      throws Exception {
    String audit = kafka.createTopic("audit", 3);
    Path jar = FixtureJars.jar(dir, "audit.jar", List.of(AdjustmentAudit.class));
    runtime.deploy(jar, Map.of(), 1, false, false);
    List<String> products = List.of(uuid(), uuid(), uuid(), uuid());
    Map<String, Long> sent = new java.util.concurrent.ConcurrentHashMap<>();
    List<String> history = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String product = products.get(i % products.size());
      String id = uuid();
      send(product, bytes(adjusted(product, i)), id);
      history.add(id);
      sent.merge(product, 1L, Long::sum);
    }
    producer.flush();
    for (String product : products) {
      awaitValue("audit-counts", product, sent.get(product));
    }
    String before = runtime.deployments().get(0).applicationId();

    java.util.concurrent.atomic.AtomicBoolean going =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    Map<String, Long> seen = new java.util.concurrent.ConcurrentHashMap<>();
    Thread queries =
        new Thread(
            () -> {
              while (going.get()) {
                for (String product : products) {
                  try {
                    HttpResponse<String> answer = get("/v1/stores/audit-counts/keys/" + product);
                    if (answer.statusCode() != 200) {
                      failures.add(answer.statusCode() + " " + answer.body());
                      continue;
                    }
                    long value = JSON.readTree(answer.body()).path("value").asLong();
                    Long earlier = seen.put(product, value);
                    if (earlier != null && value < earlier) {
                      failures.add(product + " went back from " + earlier + " to " + value);
                    }
                  } catch (Exception e) {
                    failures.add(e.toString());
                  }
                }
              }
            });
    Thread writes =
        new Thread(
            () -> {
              int i = 0;
              while (going.get()) {
                String product = products.get(i++ % products.size());
                send(product, bytes(adjusted(product, i)), uuid());
                sent.merge(product, 1L, Long::sum);
                producer.flush();
                sleep(20);
              }
            });
    queries.start();
    writes.start();

    RebuildStatus planned = runtime.rebuild("adjustment-audit", true, Set.of());
    assertThat(planned.phase()).isEqualTo("PLANNED");
    assertThat(planned.lag()).isGreaterThanOrEqualTo(history.size());
    assertThat(runtime.rebuildStatus("adjustment-audit")).isEmpty();
    RebuildStatus started = runtime.rebuild("adjustment-audit", false, Set.of());
    assertThat(started.to()).isEqualTo(before + "-g2");
    assertThatThrownBy(() -> runtime.rebuild("adjustment-audit", false, Set.of()))
        .hasMessageContaining("is being rebuilt");
    await()
        .atMost(WAIT)
        .until(() -> runtime.rebuildStatus("adjustment-audit").orElseThrow().ended());
    sleep(500);
    going.set(false);
    queries.join();
    writes.join();

    RebuildStatus done = runtime.rebuildStatus("adjustment-audit").orElseThrow();
    assertThat(done.phase()).as(done.message()).isEqualTo("DONE");
    assertThat(failures).isEmpty();
    assertThat(seen).hasSize(products.size());
    assertThat(runtime.deployments().get(0).applicationId()).isEqualTo(before + "-g2");
    for (String product : products) {
      awaitValue("audit-counts", product, sent.get(product));
    }
    assertThat(committed(kafka, before)).isEmpty();
    String metrics = get("/metrics").body();
    assertThat(
            metricValue(
                metrics,
                "tideway_replay_operations_total{deployment=\"adjustment-audit\",operation=\"rebuild\",outcome=\"done\"}"))
        .isEqualTo(1.0);
    assertThat(metricValue(metrics, "tideway_rebuild_lag{")).isZero();
    // Records both generations act on around the take-over are copied twice (same event id), so
    // the topic is read until every event id is there rather than for a count of records.
    long total = sent.values().stream().mapToLong(l -> l).sum();
    Map<String, Long> copies = new java.util.HashMap<>();
    readAll(kafka, audit, records -> eventIds(records).size() >= total)
        .forEach(r -> copies.merge(header(r, EventHeaders.ID), 1L, Long::sum));
    assertThat(copies.keySet()).hasSize((int) total);
    assertThat(history).allSatisfy(id -> assertThat(copies.get(id)).isEqualTo(1L));

    // Undeployed, then deployed by another runtime, which has a journal of its own: it resumes the
    // rebuilt application, as the cluster's deployments topic records it; nothing is replayed.
    runtime.undeploy("adjustment-audit");
    runtime.close();
    runtime =
        TopologyRuntime.start(
            settings(kafka, dir.resolve("another-runtime")),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    runtime.deploy(jar, Map.of(), 1, false, false);
    assertThat(runtime.deployments().get(0).applicationId()).isEqualTo(before + "-g2");
    String product = products.get(0);
    send(product, bytes(adjusted(product, 1)), uuid());
    producer.flush();
    awaitValue("audit-counts", product, sent.get(product) + 1);
  }

  @Test
  void aRebuildReadsEachInputFromItsStartWhateverTheResetPolicyEvenAPartitionEmptied(
      TestKafka kafka) throws Exception {
    kafka.createTopic("audit", 3);
    Path jar = FixtureJars.jar(dir, "audit.jar", List.of(AdjustmentAudit.class));
    runtime.deploy(jar, Map.of(), 1, false, false);
    List<String> products = List.of(uuid(), uuid(), uuid(), uuid(), uuid(), uuid());
    for (String product : products) {
      for (int i = 0; i < 5; i++) {
        send(product, bytes(adjusted(product, i)), uuid());
      }
    }
    String poison = uuid();
    while (partitionOf(poison) == partitionOf(products.get(0))) {
      poison = uuid(); // kept from the partition emptied below, so that the rebuild reads it
    }
    send(poison, new byte[] {1, 2, 3}, uuid());
    producer.flush();
    for (String product : products) {
      awaitValue("audit-counts", product, 5);
    }
    String deadLetters = Topics.deadLetters(new AdjustmentAudit().applicationId()).name();
    await().atMost(WAIT).until(() -> recordsToEnd(kafka, deadLetters).size() == 1);
    // Redeployed to start at the end of a partition it has no offset for: a rebuild must not.
    runtime.deploy(jar, Map.of("auto.offset.reset", "latest"), 1, false, false);
    // Retention removed every record of one partition.
    TopicPartition emptied = new TopicPartition(input, partitionOf(products.get(0)));
    long end =
        kafka
            .admin()
            .listOffsets(Map.of(emptied, OffsetSpec.latest()))
            .partitionResult(emptied)
            .get()
            .offset();
    kafka.admin().deleteRecords(Map.of(emptied, RecordsToDelete.beforeOffset(end))).all().get();

    RebuildStatus planned = runtime.rebuild("adjustment-audit", true, Set.of());
    assertThat(planned.partitions())
        .filteredOn(p -> p.topic().equals(input) && p.partition() == emptied.partition())
        .singleElement()
        .satisfies(p -> assertThat(p.committed()).as("its first record kept").isEqualTo(end));
    assertThat(planned.message())
        .contains("the first records of adjustment-audit's inputs are gone");
    // What the removed records made would be lost at the switch: only when allowed.
    assertThatThrownBy(() -> runtime.rebuild("adjustment-audit", false, Set.of()))
        .isInstanceOf(DeploymentException.class)
        .hasMessageContaining("Not rebuilding adjustment-audit")
        .hasMessageContaining(emptied + " from offset " + end)
        .hasMessageContaining("--allow-truncated-inputs");
    assertThat(runtime.rebuildStatus("adjustment-audit")).isEmpty();
    runtime.rebuild("adjustment-audit", false, Set.of(RebuildRisk.TRUNCATED_INPUTS));
    await()
        .atMost(WAIT)
        .until(() -> runtime.rebuildStatus("adjustment-audit").orElseThrow().ended());

    RebuildStatus done = runtime.rebuildStatus("adjustment-audit").orElseThrow();
    assertThat(done.phase()).as(done.message()).isEqualTo("DONE");
    for (String product : products) {
      if (partitionOf(product) == emptied.partition()) {
        assertThat(get("/v1/stores/audit-counts/keys/" + product).statusCode())
            .as("a product whose records are gone from the log")
            .isEqualTo(404);
      } else {
        awaitValue("audit-counts", product, 5);
      }
    }
    assertThat(recordsToEnd(kafka, deadLetters))
        .as("the poison record, dead-lettered once: not again by the rebuild's replay")
        .hasSize(1);
  }

  /** The input partition the producer sends a key to. */
  private static int partitionOf(String key) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % 3;
  }

  private static Map<TopicPartition, Long> committed(TestKafka kafka, String group)
      throws Exception {
    Map<TopicPartition, Long> offsets = new java.util.HashMap<>();
    kafka
        .admin()
        .listConsumerGroupOffsets(group)
        .partitionsToOffsetAndMetadata()
        .get()
        .forEach((p, o) -> offsets.put(p, o.offset()));
    return offsets;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void awaitValue(String store, String key, long expected) {
    // A stream thread that fails is the runtime's to handle, not a failure of the wait.
    await()
        .dontCatchUncaughtExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(query(store, key).path("value").asLong()).isEqualTo(expected));
  }

  private JsonNode query(String store, String key) throws Exception {
    HttpResponse<String> response = get("/v1/stores/" + store + "/keys/" + key);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  /** The answer to a GET sent as written, which {@link URI} would refuse to make. */
  private String sentAsWritten(String target) throws IOException {
    URI base = URI.create(runtime.url());
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket
          .getOutputStream()
          .write(
              ("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(runtime.url() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Deploys one fixture topology in a jar of the fixtures, one instance, with no reset. */
  private List<DeploymentStatus> deploy(
      String jar, Class<? extends TopologyProvider> provider, Map<String, String> settings)
      throws IOException {
    return runtime.deploy(FixtureJars.jar(dir, jar, List.of(provider)), settings, 1, false, false);
  }

  private static double metricValue(String scrape, String name) {
    return scrape
        .lines()
        .filter(line -> !line.startsWith("#") && line.contains(name))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }

  private void send(String key, byte[] value, String id) {
    send(key, value, id, null);
  }

  private void send(String key, byte[] value, String id, Instant at) {
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(input, null, at == null ? null : at.toEpochMilli(), key, value);
    record.headers().add(EventHeaders.ID, id.getBytes(StandardCharsets.UTF_8));
    producer.send(record);
  }

  private byte[] bytes(StockAdjusted event) {
    return events.serializer().serialize(input, event);
  }

  private static StockAdjusted adjusted(String product, int stock) {
    return StockAdjusted.newBuilder()
        .setProductId(UUID.fromString(product))
        .setStock(stock)
        .setAdjustedAt(Instant.parse("2026-01-01T00:00:00Z"))
        .build();
  }

  /** A producer of postings to the ledger: text keys and values. */
  private static KafkaProducer<String, String> postings(TestKafka kafka) {
    Properties props = kafka.producerProperties();
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    return new KafkaProducer<>(props);
  }

  private static List<ConsumerRecord<byte[], byte[]>> readAll(
      TestKafka kafka,
      String topic,
      java.util.function.Predicate<List<ConsumerRecord<byte[], byte[]>>> enough) {
    Properties props = kafka.consumerProperties("dlq-reader");
    props.put("key.deserializer", ByteArrayDeserializer.class.getName());
    props.put("value.deserializer", ByteArrayDeserializer.class.getName());
    props.put("auto.offset.reset", "earliest");
    props.put("isolation.level", "read_committed");
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!enough.test(records) && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
      }
    }
    return records;
  }

  /** Every committed record of a topic, read to its end. */
  private static List<ConsumerRecord<byte[], byte[]>> recordsToEnd(TestKafka kafka, String topic) {
    Properties props = kafka.consumerProperties("committed-reader");
    props.put("key.deserializer", ByteArrayDeserializer.class.getName());
    props.put("value.deserializer", ByteArrayDeserializer.class.getName());
    props.put("isolation.level", "read_committed");
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))
          && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  private static Set<String> eventIds(List<ConsumerRecord<byte[], byte[]>> records) {
    Set<String> ids = new java.util.HashSet<>();
    records.forEach(r -> ids.add(header(r, EventHeaders.ID)));
    return ids;
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static String uuid() {
    return UUID.randomUUID().toString();
  }
}
