package io.tideway.services.customer;

import static io.tideway.services.starter.ProblemAssertions.assertInvalidField;
import static io.tideway.services.starter.ProblemAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.contracts.saga.ReleaseStock;
import io.tideway.contracts.saga.ReserveCredit;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.schemas.serde.AvroSerializer;
import io.tideway.schemas.serde.TopicRecordNameStrategy;
import io.tideway.services.starter.IdempotentRequests;
import io.tideway.services.starter.ServiceUnderTest;
import io.tideway.testkit.CommittedOutboxEvents;
import io.tideway.testkit.JsonFuzz;
import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TestService;
import io.tideway.testkit.TidewayTest;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The customer service as the platform runs it (its executable jar, its own process) on a real
 * PostgreSQL, broker and registry: its commands, queries, and every kind of bad input.
 */
@TidewayTest
class CustomerServiceIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> ADDRESS =
      Map.of(
          "street", "\"1 Main St\"",
          "city", "\"Berlin\"",
          "postalCode", "\"10115\"",
          "country", "\"DE\"");

  private static ServiceUnderTest running;
  private static TestService service;
  private static CommittedOutboxEvents events;
  private static TestKafka broker;
  private static TestDatabase database;
  private static String commandsTopic;
  private static String deadLetters;

  @BeforeAll
  static void start(TestKafka kafka, TestDatabase db) throws Exception {
    broker = kafka;
    database = db;
    commandsTopic = kafka.createTopic("customer.commands", 3);
    deadLetters = kafka.topicName("customer-service.dlq");
    running =
        ServiceUnderTest.start(
            "customer",
            kafka,
            db,
            Map.of(
                "TIDEWAY_SERVICE_COMMANDS_TOPIC",
                commandsTopic,
                "TIDEWAY_SERVICE_DEAD_LETTER_TOPIC",
                deadLetters,
                "TIDEWAY_SERVICE_LISTENER_BACKOFF",
                "PT0.1S",
                "SPRING_KAFKA_CONSUMER_GROUP_ID",
                kafka.topicName("customer-service")));
    service = running.service();
    events = CommittedOutboxEvents.since(db);
  }

  @AfterAll
  static void stop() throws Exception {
    if (running != null) {
      running.close();
    }
  }

  @Test
  void shouldRegisterACustomerAndPublishCustomerCreatedInTheSameTransaction() throws Exception {
    long before = events.count();

    HttpResponse<String> created = service.post("/customers", customer("Ada"));

    assertThat(created.statusCode()).isEqualTo(201);
    JsonNode body = JSON.readTree(created.body());
    String id = body.get("id").asText();
    assertThat(created.headers().firstValue("Location")).hasValue("/customers/" + id);
    assertThat(created.headers().firstValue("ETag")).hasValue("\"1\"");
    // The id of the one event committed, for a read-your-writes query.
    assertThat(created.headers().firstValue("Tideway-Event-Id"))
        .hasValueSatisfying(eventId -> assertThat(UUID.fromString(eventId)).isNotNull());
    assertThat(body.get("version").asLong()).isEqualTo(1);
    assertThat(body.get("creditLimit").decimalValue()).isEqualByComparingTo("1000.50");
    HttpResponse<String> read = service.get("/customers/" + id);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.headers().firstValue("ETag")).hasValue("\"1\"");
    assertThat(JSON.readTree(read.body()).get("address").get("city").asText()).isEqualTo("Berlin");
    assertThat(events.count() - before).isEqualTo(1);
  }

  @Test
  void shouldRegisterOnceHoweverOftenTheRequestComesWithOneIdempotencyKey() throws Exception {
    long before = events.count();
    String key = UUID.randomUUID().toString();

    HttpResponse<String> first = registerWithKey(key, customer("Grace"));
    HttpResponse<String> retry = registerWithKey(key, customer("Grace"));
    HttpResponse<String> other = registerWithKey(key, customer("Alan"));

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(retry.statusCode()).isEqualTo(201);
    assertThat(JSON.readTree(retry.body()).get("id").asText())
        .isEqualTo(JSON.readTree(first.body()).get("id").asText());
    assertThat(other.statusCode()).isEqualTo(422);
    assertThat(events.count() - before).as("one CustomerCreated").isEqualTo(1);
  }

  private static HttpResponse<String> registerWithKey(String key, String body) {
    return service.send(
        service
            .request(
                "/customers", "Content-Type", "application/json", IdempotentRequests.HEADER, key)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  @Test
  void shouldChangeTheAddressOnlyAtTheVersionIfMatchNames() throws Exception {
    String id = register();
    long before = events.count();

    HttpResponse<String> changed =
        service.put("/customers/" + id + "/address", address("2 New Rd"), "If-Match", "\"1\"");
    HttpResponse<String> stale =
        service.put("/customers/" + id + "/address", address("3 Old Rd"), "If-Match", "\"1\"");
    HttpResponse<String> same = service.put("/customers/" + id + "/address", address("2 New Rd"));

    assertThat(changed.statusCode()).isEqualTo(200);
    assertThat(changed.headers().firstValue("ETag")).hasValue("\"2\"");
    assertProblem(stale, 412, "is at version 2");
    assertThat(same.statusCode()).isEqualTo(200);
    assertThat(same.headers().firstValue("ETag")).hasValue("\"2\"");
    assertThat(changed.headers().firstValue("Tideway-Event-Id")).isPresent();
    assertThat(stale.headers().firstValue("Tideway-Event-Id")).isEmpty();
    assertThat(same.headers().firstValue("Tideway-Event-Id")).isEmpty();
    JsonNode now = JSON.readTree(service.get("/customers/" + id).body());
    assertThat(now.get("address").get("street").asText()).isEqualTo("2 New Rd");
    // One change, one event: neither the refused change nor the repeated address published one.
    assertThat(events.count() - before).isEqualTo(1);
  }

  @Test
  void shouldAnswerUnknownAndMalformedIdsWithProblems() {
    String unknown = "6c1f3a52-51bd-4bb4-9b59-3e1f0b0f6a11";

    assertProblem(service.get("/customers/" + unknown), 404, unknown);
    assertProblem(service.put("/customers/" + unknown + "/address", address("x")), 404, unknown);
    assertProblem(service.get("/customers/not-a-uuid"), 400, null);
  }

  @Test
  void shouldRefuseBadBodiesNamingWhatIsWrongAndPublishNothing() throws Exception {
    long before = events.count();

    assertProblem(service.post("/customers", "{\"name\": \"Ada\""), 400, "not valid JSON");
    assertProblem(service.post("/customers", "{}"), 400, "invalid fields");
    assertThat(service.post("/customers", "{}").body())
        .contains("\"name\"", "\"email\"", "\"creditLimit\"", "\"address\"");
    assertInvalidField(service.post("/customers", customer("A".repeat(201))), "name");
    assertInvalidField(
        service.post("/customers", customer("Ada").replace("1000.50", "-1")), "creditLimit");
    assertInvalidField(
        service.post("/customers", customer("Ada").replace("1000.50", "10.555")), "creditLimit");
    assertInvalidField(
        service.post("/customers", customer("Ada").replace("\"DE\"", "\"Germany\"")),
        "address.country");
    assertInvalidField(
        service.post("/customers", customer("Ada").replace("ada@example.com", "nope")), "email");
    // An em space alone is blank to the domain; U+0085 a control character to the services that
    // learn names from events.
    assertInvalidField(service.post("/customers", customer("\\u2003")), "name");
    assertInvalidField(service.post("/customers", customer("Ada\\u0085")), "name");
    HttpResponse<String> text =
        service.send(
            service
                .request("/customers", "Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(customer("Ada")))
                .build());
    assertProblem(text, 415, null);
    assertThat(events.count() - before).isZero();
  }

  @Test
  void shouldAnswerRandomBodiesWithoutAServerErrorAndPublishOnlyForAcceptedOnes() throws Exception {
    String id = register();
    JsonFuzz fuzz = new JsonFuzz();
    Map<String, String> customer = new LinkedHashMap<>();
    customer.put("name", "\"Ada\"");
    customer.put("email", "\"ada@example.com\"");
    customer.put("creditLimit", "1000.50");
    customer.put("address", JsonFuzz.render(ADDRESS));
    long before = events.count();
    long created = 0;

    for (int i = 0; i < 200; i++) {
      String body = fuzz.next(customer);
      HttpResponse<String> answer = service.post("/customers", body);
      assertThat(answer.statusCode())
          .as("POST /customers %s (seed %d)", body, fuzz.seed())
          .isIn(201, 400, 415);
      created += answer.statusCode() == 201 ? 1 : 0;
    }
    for (int i = 0; i < 200; i++) {
      String body = fuzz.next(ADDRESS);
      HttpResponse<String> answer = service.put("/customers/" + id + "/address", body);
      assertThat(answer.statusCode())
          .as("PUT address %s (seed %d)", body, fuzz.seed())
          .isIn(200, 400, 415);
    }
    for (int i = 0; i < 50; i++) {
      String path = "/customers/" + fuzz.next(Map.of()).replaceAll("[^A-Za-z0-9-]", "");
      assertThat(service.get(path).statusCode()).as("GET %s", path).isIn(200, 400, 404, 405);
    }

    long changes =
        JSON.readTree(service.get("/customers/" + id).body()).get("version").asLong() - 1;
    assertThat(events.count() - before).isEqualTo(created + changes);
  }

  /**
   * Commands sent together reach the listener as one batch, applied in one transaction. A record
   * that cannot be decoded and a command whose effect fails sit among them: the first is
   * dead-lettered at once, the second after its retries, and every other command is answered
   * exactly once, a redelivered one not at all.
   */
  @Test
  void shouldApplyABatchOfCommandsOnceEachAndDeadLetterOnlyWhatFails() throws Exception {
    UUID customer = UUID.fromString(register());
    long before = events.count();
    UUID poison = UUID.randomUUID();
    UUID failing = UUID.randomUUID();
    UUID alien = UUID.randomUUID();
    List<UUID> applied = new ArrayList<>();
    List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
    try (AvroSerializer<Object> avro = commandSerializer()) {
      for (int i = 0; i < 14; i++) {
        UUID id = UUID.randomUUID();
        BigDecimal amount = new BigDecimal("10.00");
        if (i == 5) {
          records.add(command(customer, poison, new byte[] {9, 1, 2, 3})); // not the wire format
          continue;
        }
        if (i == 7) {
          // Well formed, but another service's command: a saga sent it to the wrong topic.
          records.add(command(customer, alien, avro.serialize(commandsTopic, releaseStock())));
          continue;
        }
        if (i == 9) {
          // The domain refuses a negative amount: each attempt fails the same way.
          id = failing;
          amount = new BigDecimal("-1.00");
        } else {
          applied.add(id);
        }
        records.add(
            command(customer, id, avro.serialize(commandsTopic, reserve(customer, amount))));
      }
    }
    // A redelivery of the third command: the same record id.
    records.add(records.get(2));

    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            broker.producerProperties(), new StringSerializer(), new ByteArraySerializer())) {
      records.forEach(producer::send);
      producer.flush();
    }

    List<ConsumerRecord<byte[], byte[]>> dead =
        running.deadLetters(
            deadLetters,
            r ->
                List.of(poison.toString(), failing.toString(), alien.toString())
                    .contains(header(r, "id")),
            3,
            Duration.ofSeconds(60));
    assertThat(dead)
        .extracting(r -> header(r, "id"))
        .containsExactlyInAnyOrder(poison.toString(), failing.toString(), alien.toString());
    assertThat(dead)
        .filteredOn(r -> header(r, "id").equals(alien.toString()))
        .singleElement()
        .satisfies(
            r ->
                assertThat(header(r, "kafka_dlt-exception-message"))
                    .contains("ReleaseStock is not a command of this service"));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(events.count() - before).isEqualTo(applied.size()));
    assertThat(CreditReservations.held(database, customer))
        .isEqualByComparingTo(new BigDecimal("10.00").multiply(BigDecimal.valueOf(applied.size())));
    assertThat(ServiceUnderTest.metric(service, "tideway_customer_commands_batch_split_total"))
        .isGreaterThanOrEqualTo(1);
    assertThat(ServiceUnderTest.metric(service, "tideway_customer_commands_batch_max"))
        .isGreaterThan(1);
    // Nothing more comes of the redelivery or the retries.
    Thread.sleep(1_000);
    assertThat(events.count() - before).isEqualTo(applied.size());
  }

  private static ReleaseStock releaseStock() {
    return ReleaseStock.newBuilder()
        .setSagaId(UUID.randomUUID())
        .setCommandId(UUID.randomUUID())
        .setIssuedAt(Instant.now())
        .setOrderId(UUID.randomUUID())
        .setLines(List.of())
        .build();
  }

  private static ReserveCredit reserve(UUID customer, BigDecimal amount) {
    return ReserveCredit.newBuilder()
        .setSagaId(UUID.randomUUID())
        .setCommandId(UUID.randomUUID())
        .setIssuedAt(Instant.now())
        .setOrderId(UUID.randomUUID())
        .setCustomerId(customer)
        .setAmount(amount)
        .build();
  }

  /** A serializer of commands as the saga writes them: several types on one topic. */
  private static AvroSerializer<Object> commandSerializer() {
    AvroSerializer<Object> avro = new AvroSerializer<>();
    avro.configure(
        Map.of(
            AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG,
            running.registryUrl(),
            AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG,
            TopicRecordNameStrategy.class.getName()),
        false);
    return avro;
  }

  /** A command record as the saga sends it: keyed alike, so all go to one partition in order. */
  private static ProducerRecord<String, byte[]> command(UUID customer, UUID id, byte[] value) {
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(commandsTopic, customer.toString(), value);
    record.headers().add("id", id.toString().getBytes(StandardCharsets.UTF_8));
    return record;
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  @Test
  void shouldAnswerACommandInTheTraceItCameIn() throws Exception {
    UUID customer = UUID.fromString(register());
    events.inserted();
    String traceId = "0af7651916cd43dd8448eb211c80319c";
    ProducerRecord<String, byte[]> command;
    try (AvroSerializer<Object> avro = commandSerializer()) {
      command =
          command(
              customer,
              UUID.randomUUID(),
              avro.serialize(commandsTopic, reserve(customer, new BigDecimal("1.00"))));
    }
    command
        .headers()
        .add(
            "traceparent",
            ("00-" + traceId + "-b7ad6b7169203331-01").getBytes(StandardCharsets.UTF_8));
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            broker.producerProperties(), new StringSerializer(), new ByteArraySerializer())) {
      producer.send(command).get();
    }

    List<String> rows = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              rows.addAll(events.inserted());
              return rows.stream().anyMatch(r -> r.contains(customer.toString()));
            });
    assertThat(rows.stream().filter(r -> r.contains(customer.toString())))
        .singleElement()
        .asString()
        .as("the reply, in the command's trace")
        .contains("CustomerCreditReserved")
        .containsPattern("'00-" + traceId + "-[0-9a-f]{16}-01'");
  }

  @Test
  void shouldDescribeItsApiAndExposeMetrics() {
    HttpResponse<String> openApi = service.get("/v3/api-docs");
    HttpResponse<String> metrics = service.get("/actuator/prometheus");

    assertThat(openApi.statusCode()).isEqualTo(200);
    assertThat(openApi.body())
        .contains("Customer service", "/customers", "/customers/{id}/address");
    assertThat(metrics.body()).contains("tideway_outbox_appended", "http_server_requests");
  }

  private static String register() throws Exception {
    HttpResponse<String> created = service.post("/customers", customer("Ada"));
    assertThat(created.statusCode()).isEqualTo(201);
    return JSON.readTree(created.body()).get("id").asText();
  }

  private static String customer(String name) {
    return """
        {"name": "%s", "email": "ada@example.com", "creditLimit": 1000.50,
         "address": {"street": "1 Main St", "city": "Berlin", "postalCode": "10115",
                     "country": "DE"}}
        """
        .formatted(name);
  }

  private static String address(String street) {
    return """
        {"street": "%s", "city": "Hamburg", "postalCode": "20095", "country": "DE"}
        """
        .formatted(street);
  }
}
