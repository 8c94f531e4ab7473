package io.tideway.loadtest.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.deploy.embedded.LoopbackPorts;
import io.tideway.loadtest.ScratchDatabase;
import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The peer from its executable jar on the test kit's broker and PostgreSQL server. */
@TidewayTest
class ModulithPeerIT {

  private static final int CUSTOMERS = 50;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static Path logs;
  private static ScratchDatabase database;
  private static ModulithPeer peer;

  @BeforeAll
  static void startPeer(TestKafka kafka, TestDatabase testDatabase) throws Exception {
    logs = Files.createDirectories(Path.of("target", "modulith-peer-it"));
    database =
        ScratchDatabase.create(
            testDatabase.jdbcUrl(),
            "modulith_peer_" + UUID.randomUUID().toString().substring(0, 8),
            testDatabase.superuser(),
            testDatabase.superuserPassword());
    peer =
        ModulithPeer.start(
            ModulithPeer.jarIn(Path.of("target", "modulith-peer")),
            database.url(),
            testDatabase.superuser(),
            testDatabase.superuserPassword(),
            kafka.bootstrapServers(),
            LoopbackPorts.pickFree(),
            logs.resolve("modulith-peer.log"));
  }

  @AfterAll
  static void stopPeer() throws Exception {
    if (peer != null) {
      peer.close();
    }
    if (database != null) {
      database.close();
    }
  }

  @Test
  void publishesEachRegisteredCustomerOnceKeyedByCustomerWithItsEventId(TestKafka kafka)
      throws Exception {
    try (KafkaConsumer<String, byte[]> consumer = consumerAtEnd(kafka)) {
      // given / when
      Map<String, String> eventIdByCustomer = new HashMap<>();
      for (int i = 0; i < CUSTOMERS; i++) {
        HttpResponse<String> answer = register(validBody(i));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
        String customerId = JSON.readTree(answer.body()).path("id").asText();
        eventIdByCustomer.put(customerId, eventId(answer));
      }

      // then
      List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= CUSTOMERS;
              });
      HttpResponse<String> marker = register(validBody(CUSTOMERS));
      records.addAll(drain(consumer, marker));
      records.removeIf(r -> eventId(marker).equals(header(r, ModulithPeer.EVENT_ID_RECORD_HEADER)));
      assertThat(records).hasSize(CUSTOMERS);
      Map<String, String> published = new HashMap<>();
      for (ConsumerRecord<String, byte[]> record : records) {
        JsonNode value = JSON.readTree(record.value());
        String eventId = header(record, ModulithPeer.EVENT_ID_RECORD_HEADER);
        assertThat(value.path("id").asText()).isEqualTo(eventId);
        assertThat(value.path("customerId").asText()).isEqualTo(record.key());
        assertThat(Long.parseLong(header(record, ModulithPeer.OCCURRED_AT_RECORD_HEADER)))
            .isEqualTo(Instant.parse(value.path("occurredAt").asText()).toEpochMilli());
        published.put(record.key(), eventId);
      }
      assertThat(published).isEqualTo(eventIdByCustomer);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                assertThat(
                        count(
                            "SELECT count(*) FROM event_publication WHERE completion_date IS NULL"))
                    .as("incomplete publications")
                    .isZero();
                assertThat(count("SELECT count(*) FROM event_publication"))
                    .as("publications left behind: completion-mode is delete")
                    .isZero();
              });
    }
  }

  @Test
  void rejectsABadBodyWith400AndPublishesNothing(TestKafka kafka) throws Exception {
    try (KafkaConsumer<String, byte[]> consumer = consumerAtEnd(kafka)) {
      // given
      long customers = count("SELECT count(*) FROM customer");
      String badCountry = validBody(0).replace("\"DE\"", "\"Germany\"");

      // when
      HttpResponse<String> bad = register(badCountry);
      HttpResponse<String> unreadable = register("{\"name\":");

      // then
      assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
      assertThat(unreadable.statusCode()).as(unreadable.body()).isEqualTo(400);
      assertThat(count("SELECT count(*) FROM customer")).isEqualTo(customers);
      HttpResponse<String> good = register(validBody(1));
      List<ConsumerRecord<String, byte[]>> records = drain(consumer, good);
      assertThat(records)
          .as("only the good request's event after the bad ones")
          .singleElement()
          .satisfies(
              r ->
                  assertThat(header(r, ModulithPeer.EVENT_ID_RECORD_HEADER))
                      .isEqualTo(eventId(good)));
    }
  }

  /**
   * Reads until the record of {@code marker}'s event, which the peer published after everything
   * before it was requested: what came before it has arrived by then, on any partition, once every
   * partition is read up to its end.
   */
  private static List<ConsumerRecord<String, byte[]>> drain(
      KafkaConsumer<String, byte[]> consumer, HttpResponse<String> marker) {
    assertThat(marker.statusCode()).as(marker.body()).isEqualTo(201);
    String markerId = eventId(marker);
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              consumer.poll(Duration.ofMillis(200)).forEach(records::add);
              return records.stream()
                      .anyMatch(
                          r -> markerId.equals(header(r, ModulithPeer.EVENT_ID_RECORD_HEADER)))
                  && atEnd(consumer);
            });
    return records;
  }

  private static boolean atEnd(KafkaConsumer<String, byte[]> consumer) {
    Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
    return ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
  }

  private static KafkaConsumer<String, byte[]> consumerAtEnd(TestKafka kafka) {
    Properties props = kafka.consumerProperties("modulith-peer-it");
    // Assigned partitions, positions of its own: nothing to commit.
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions =
        consumer.partitionsFor(peer.topic()).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .toList();
    assertThat(partitions).as("the peer created its topic").hasSize(3);
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    return consumer;
  }

  private static HttpResponse<String> register(String body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(peer.url() + "/customers"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .timeout(Duration.ofSeconds(10))
            .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static String validBody(int i) {
    return """
        {"name":"Customer %d","email":"customer%d@example.com","creditLimit":1000.50,
         "address":{"street":"Main Street %d","city":"Berlin","postalCode":"10115","country":"DE"}}
        """
        .formatted(i, i, i);
  }

  private static String eventId(HttpResponse<String> answer) {
    return answer.headers().firstValue(ModulithPeer.EVENT_ID_RESPONSE_HEADER).orElseThrow();
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static long count(String sql) throws SQLException {
    try (Connection c = database.connect();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }
}
