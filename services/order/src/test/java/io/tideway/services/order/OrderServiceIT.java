package io.tideway.services.order;

import static io.tideway.services.starter.ProblemAssertions.assertInvalidField;
import static io.tideway.services.starter.ProblemAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.contracts.common.Address;
import io.tideway.contracts.customer.CustomerAddressChanged;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.contracts.inventory.ProductAdded;
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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The order service as the platform runs it (its executable jar, its own process) on a real
 * PostgreSQL, broker and registry: orders over HTTP, and the customer and inventory events it
 * consumes, duplicated, out of order and malformed.
 */
@TidewayTest
class OrderServiceIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  /** The header of a dead letter sent without its record's bytes. */
  private static final String OMITTED = "tideway.dead-letter.omitted";

  private static ServiceUnderTest running;
  private static TestService service;
  private static CommittedOutboxEvents events;
  private static KafkaProducer<String, Object> producer;
  private static String customerTopic;
  private static String inventoryTopic;
  private static String deadLetters;
  private static TestKafka broker;

  @BeforeAll
  static void start(TestKafka kafka, TestDatabase db) throws Exception {
    broker = kafka;
    customerTopic = kafka.createTopic("customer.events", 3);
    // Takes records larger than a producer sends by default, as a topic may.
    inventoryTopic =
        kafka.createTopic("inventory.events", 3, Map.of("max.message.bytes", "4194304"));
    deadLetters = kafka.topicName("order-service.dlq");
    running =
        ServiceUnderTest.start(
            "order",
            kafka,
            db,
            Map.of(
                "TIDEWAY_ORDER_CUSTOMER_EVENTS_TOPIC", customerTopic,
                "TIDEWAY_ORDER_INVENTORY_EVENTS_TOPIC", inventoryTopic,
                "TIDEWAY_SERVICE_DEAD_LETTER_TOPIC", deadLetters,
                "TIDEWAY_SERVICE_LISTENER_BACKOFF", "PT0.1S",
                "SPRING_KAFKA_CONSUMER_GROUP_ID", kafka.topicName("order-service")));
    service = running.service();
    events = CommittedOutboxEvents.since(db);
    producer = avroProducer(kafka.producerProperties());
  }

  @AfterAll
  static void stop() throws Exception {
    if (producer != null) {
      producer.close();
    }
    if (running != null) {
      running.close();
    }
  }

  @Test
  void shouldShipToTheNewestAddressWhateverTheOrderAndRepetitionOfTheCustomersEvents()
      throws Exception {
    UUID product = knownProduct("12.50");
    UUID customer = UUID.randomUUID();
    long before = events.count();

    // An order for a customer the service has not heard of: accepted, no address yet.
    JsonNode order = JSON.readTree(placeOrder(customer, product, 2).body());
    String orderId = order.get("id").asText();
    assertThat(order.get("status").asText()).isEqualTo("PENDING");
    assertThat(order.get("shippingAddress").isNull()).isTrue();
    assertThat(order.get("total").decimalValue()).isEqualByComparingTo("25.00");

    UUID createdId = publish(customerTopic, customer.toString(), created(customer, "1 Main St"));
    awaitShippingAddress(orderId, "1 Main St", 1);

    // Version 3 arrives before version 2: the older one must not win.
    publish(customerTopic, customer.toString(), addressChanged(customer, 3, "3 Third Ave"));
    publish(customerTopic, customer.toString(), addressChanged(customer, 2, "2 Second St"));
    awaitShippingAddress(orderId, "3 Third Ave", 3);
    await().atMost(PATIENCE).until(() -> consumed("CustomerAddressChanged", "stale") >= 1);

    // The first event once more, with its id: a duplicate, which changes nothing.
    publish(customerTopic, customer.toString(), created(customer, "1 Main St"), createdId);
    await().atMost(PATIENCE).until(() -> consumed("CustomerCreated", "duplicate") >= 1);
    JsonNode after = JSON.readTree(service.get("/orders/" + orderId).body());
    assertThat(after.get("shippingAddress").get("street").asText()).isEqualTo("3 Third Ave");
    assertThat(after.get("version").asLong()).isEqualTo(3);

    // A customer the service knows: the order ships to the known address at once.
    JsonNode second = JSON.readTree(placeOrder(customer, product, 1).body());
    assertThat(second.get("shippingAddress").get("street").asText()).isEqualTo("3 Third Ave");
    JsonNode listed = JSON.readTree(service.get("/orders?customerId=" + customer).body());
    assertThat(listed).hasSize(2);
    // Two OrderPlaced and two OrderShippingAddressUpdated (versions 1 and 3), nothing for the
    // stale change or the duplicate.
    assertThat(events.count() - before).isEqualTo(4);
  }

  @Test
  void shouldGiveEveryEventSentTogetherTheEffectItHasAlone() throws Exception {
    UUID product = knownProduct("2.00");
    UUID customer = UUID.randomUUID();
    String key = customer.toString();
    String order = JSON.readTree(placeOrder(customer, product, 1).body()).get("id").asText();
    long before = events.count();
    double staleBefore = consumed("CustomerAddressChanged", "stale");
    double duplicateBefore = consumed("CustomerAddressChanged", "duplicate");

    // Sent without waiting, so that they are polled, and applied, together: a registration, a
    // newer address, an older one, the newer one again with its id, and a newer one still.
    UUID third = UUID.randomUUID();
    List<Future<RecordMetadata>> sent =
        List.of(
            send(customerTopic, key, created(customer, "1 Main St"), UUID.randomUUID()),
            send(customerTopic, key, addressChanged(customer, 3, "3 Third Ave"), third),
            send(customerTopic, key, addressChanged(customer, 2, "2 Second St"), UUID.randomUUID()),
            send(customerTopic, key, addressChanged(customer, 3, "3 Third Ave"), third),
            send(
                customerTopic, key, addressChanged(customer, 4, "4 Fourth Rd"), UUID.randomUUID()));
    for (Future<RecordMetadata> event : sent) {
      event.get();
    }

    awaitShippingAddress(order, "4 Fourth Rd", 4);
    await()
        .atMost(PATIENCE)
        .until(
            () ->
                consumed("CustomerAddressChanged", "stale") == staleBefore + 1
                    && consumed("CustomerAddressChanged", "duplicate") == duplicateBefore + 1);
    // Moved to versions 1, 3 and 4, one new order version and one event each.
    assertThat(JSON.readTree(service.get("/orders/" + order).body()).get("version").asLong())
        .isEqualTo(4);
    assertThat(events.count() - before).isEqualTo(3);
  }

  @Test
  void shouldApplyEveryEventExactlyOnceWhenKilledMidStream() throws Exception {
    UUID product = knownProduct("1.00");
    Map<UUID, String> orders = new LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      UUID customer = UUID.randomUUID();
      orders.put(
          customer, JSON.readTree(placeOrder(customer, product, 1).body()).get("id").asText());
    }
    long before = events.count();
    double appliedBefore = consumed("CustomerAddressChanged", "applied");

    // Registration and four moves per customer: 100 events, each moving the orders on, sent at
    // once so that they are polled, and committed, in batches.
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (int version = 1; version <= 5; version++) {
      for (UUID customer : orders.keySet()) {
        SpecificRecord event =
            version == 1
                ? created(customer, "1 Main St")
                : addressChanged(customer, version, version + " Main St");
        sent.add(send(customerTopic, customer.toString(), event, UUID.randomUUID()));
      }
    }
    for (Future<RecordMetadata> event : sent) {
      event.get();
    }
    await()
        .atMost(PATIENCE)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> consumed("CustomerAddressChanged", "applied") >= appliedBefore + 5);
    assertThat(ServiceUnderTest.metric(service, "tideway_order_events_batch_max")).isGreaterThan(1);
    service = running.killAndRestart();

    for (String order : orders.values()) {
      awaitShippingAddress(order, "5 Main St", 5);
      // Placed at version 1, then five new addresses: each applied once.
      assertThat(JSON.readTree(service.get("/orders/" + order).body()).get("version").asLong())
          .isEqualTo(6);
    }
    assertThat(events.count() - before).isEqualTo(100);
  }

  @Test
  void shouldDeadLetterRecordsThatCannotBeDecodedAndGoOn() throws Exception {
    try (KafkaProducer<String, byte[]> raw =
        new KafkaProducer<>(
            broker.producerProperties(), new StringSerializer(), new ByteArraySerializer())) {
      ProducerRecord<String, byte[]> garbage =
          new ProducerRecord<>(inventoryTopic, "poison", new byte[] {1, 2, 3, 4, 5});
      garbage.headers().add("id", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
      raw.send(garbage).get();
      raw.send(new ProducerRecord<>(inventoryTopic, "no-id", new byte[] {0, 0, 0, 0, 1})).get();
    }
    UUID product = knownProduct("3.00");

    List<ConsumerRecord<byte[], byte[]>> dead =
        deadLetters(r -> List.of("poison", "no-id").contains(key(r)), 2);
    assertThat(dead).extracting(OrderServiceIT::key).containsExactlyInAnyOrder("poison", "no-id");
    assertThat(dead)
        .allSatisfy(
            r -> {
              assertThat(header(r, "kafka_dlt-original-topic")).isEqualTo(inventoryTopic);
              assertThat(r.headers().lastHeader("kafka_dlt-original-offset")).isNotNull();
              assertThat(header(r, "kafka_dlt-exception-message")).isNotBlank();
            });
    assertThat(placeOrder(UUID.randomUUID(), product, 1).statusCode()).isEqualTo(201);
  }

  @Test
  void shouldDeadLetterARecordTooLargeForItsDeadLetterByItsPlaceInTheLog() throws Exception {
    Properties large = broker.producerProperties();
    large.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20);
    // Keyed as the product after it, so both are on one partition: the product must get through.
    UUID product = UUID.randomUUID();
    long offset;
    try (KafkaProducer<String, byte[]> raw =
        new KafkaProducer<>(large, new StringSerializer(), new ByteArraySerializer())) {
      offset =
          raw.send(new ProducerRecord<>(inventoryTopic, product.toString(), new byte[3 << 19]))
              .get()
              .offset();
    }
    knownProduct("4.00", product);

    ConsumerRecord<byte[], byte[]> dead =
        deadLetters(r -> r.headers().lastHeader(OMITTED) != null, 1).get(0);
    assertThat(dead.key()).isNull();
    assertThat(dead.value()).isNull();
    assertThat(header(dead, "kafka_dlt-original-topic")).isEqualTo(inventoryTopic);
    assertThat(
            ByteBuffer.wrap(dead.headers().lastHeader("kafka_dlt-original-offset").value())
                .getLong())
        .isEqualTo(offset);
    assertThat(header(dead, OMITTED)).contains("over the limit of");
  }

  @Test
  void shouldSkipAnEventOfATypeNewerThanItsContractsAndGoOn() throws Exception {
    UUID customer = UUID.randomUUID();
    UUID product = knownProduct("1.00");
    String order = JSON.readTree(placeOrder(customer, product, 1).body()).get("id").asText();
    double failedBefore = failedAttempts();
    // The customer service, deployed ahead, publishes a type this service has no class for.
    Schema newer =
        new Schema.Parser()
            .parse(
                """
                {"type":"record","name":"CustomerLoyaltyChanged",
                 "namespace":"io.tideway.contracts.customer",
                 "fields":[{"name":"customerId","type":"string"},{"name":"tier","type":"string"}]}
                """);
    GenericRecord loyalty = new GenericData.Record(newer);
    loyalty.put("customerId", customer.toString());
    loyalty.put("tier", "gold");
    ProducerRecord<String, Object> record =
        new ProducerRecord<>(customerTopic, customer.toString(), loyalty);
    record.headers().add("id", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
    producer.send(record).get();
    publish(customerTopic, customer.toString(), addressChanged(customer, 2, "2 After Loyalty St"));

    awaitShippingAddress(order, "2 After Loyalty St", 2);
    assertThat(consumed("CustomerLoyaltyChanged", "ignored")).isEqualTo(1);
    assertThat(failedAttempts())
        .as("nothing failed, nothing dead-lettered")
        .isEqualTo(failedBefore);
  }

  @Test
  void shouldDeadLetterAtOnceAnEventTheDomainRefusesAndGoOn() throws Exception {
    UUID customer = UUID.randomUUID();
    UUID product = knownProduct("1.00");
    String order = JSON.readTree(placeOrder(customer, product, 1).body()).get("id").asText();
    double failedBefore = failedAttempts();

    // A country code that is not one: every attempt would fail the same way.
    CustomerAddressChanged unstorable =
        CustomerAddressChanged.newBuilder()
            .setCustomerId(customer)
            .setCustomerVersion(2)
            .setAddress(new Address("2 Second St", "Hamburg", "20095", "DEU"))
            .setChangedAt(Instant.now())
            .build();
    UUID id = publish(customerTopic, customer.toString(), unstorable);
    publish(customerTopic, customer.toString(), addressChanged(customer, 3, "3 Third Ave"));

    awaitShippingAddress(order, "3 Third Ave", 3);
    ConsumerRecord<byte[], byte[]> dead =
        deadLetters(r -> id.toString().equals(header(r, "id")), 1).get(0);
    assertThat(header(dead, "kafka_dlt-original-topic")).isEqualTo(customerTopic);
    assertThat(header(dead, "kafka_dlt-exception-message"))
        .contains("'DEU' is not an ISO 3166-1 alpha-2 code");
    assertThat(header(dead, "kafka_dlt-exception-fqcn"))
        .isEqualTo(IllegalArgumentException.class.getName());
    // No retry: it could not change the answer, and would hold the events behind it.
    assertThat(failedAttempts() - failedBefore).isEqualTo(1);

    // A product no order could be placed for is not taken in: its orders are for an unknown
    // product, not failures of the server.
    UUID unsellable = UUID.randomUUID();
    UUID refused =
        publish(
            inventoryTopic,
            unsellable.toString(),
            ProductAdded.newBuilder()
                .setProductId(unsellable)
                .setSku("SKU-" + unsellable)
                .setName("Kettle")
                .setPrice(new BigDecimal("-1.00"))
                .setStock(100)
                .setAddedAt(Instant.now())
                .build());
    assertThat(
            header(
                deadLetters(r -> refused.toString().equals(header(r, "id")), 1).get(0),
                "kafka_dlt-exception-message"))
        .contains("ProductAdded of " + unsellable + " has a negative price, -1.00");
    assertThat(service.post("/orders", order(customer, unsellable, 1)).statusCode()).isEqualTo(422);
    assertThat(failedAttempts() - failedBefore).isEqualTo(2);
  }

  @Test
  void shouldRefuseBadOrdersNamingWhatIsWrongAndPublishNothing() throws Exception {
    UUID product = knownProduct("1.00");
    UUID dearest = knownProduct("1000000000000.00");
    UUID unknownProduct = UUID.randomUUID();
    long before = events.count();

    assertProblem(service.post("/orders", "{\"customerId\": "), 400, "not valid JSON");
    assertInvalidField(
        service.post("/orders", order(UUID.randomUUID(), product, 0)), "lines[0].quantity");
    assertInvalidField(
        service.post("/orders", order(UUID.randomUUID(), product, -3)), "lines[0].quantity");
    assertInvalidField(
        service.post(
            "/orders", "{\"customerId\": \"%s\", \"lines\": []}".formatted(UUID.randomUUID())),
        "lines");
    String tooMany =
        "{\"customerId\": \"%s\", \"lines\": [%s]}"
            .formatted(
                UUID.randomUUID(),
                String.join(
                    ",",
                    Collections.nCopies(
                        101, "{\"productId\": \"%s\", \"quantity\": 1}".formatted(product))));
    assertInvalidField(service.post("/orders", tooMany), "lines");
    assertProblem(
        service.post("/orders", order(UUID.randomUUID(), unknownProduct, 1)),
        422,
        unknownProduct.toString());
    assertProblem(
        service.post("/orders", order(UUID.randomUUID(), dearest, 100_000)),
        422,
        "total 100000000000000000.00 is larger than the largest amount kept");
    assertProblem(service.get("/orders/" + UUID.randomUUID()), 404, "No order");
    assertProblem(service.get("/orders"), 400, null);
    assertProblem(service.get("/orders?customerId=" + UUID.randomUUID() + "&limit=0"), 400, null);
    assertThat(events.count() - before).isZero();
  }

  @Test
  void shouldAnswerRandomOrdersWithoutAServerErrorAndPublishOnlyForAcceptedOnes() throws Exception {
    UUID product = knownProduct("2.00");
    JsonFuzz fuzz = new JsonFuzz();
    Map<String, String> valid = new LinkedHashMap<>();
    valid.put("customerId", "\"" + UUID.randomUUID() + "\"");
    valid.put("lines", "[{\"productId\": \"" + product + "\", \"quantity\": 1}]");
    Map<String, String> line = new LinkedHashMap<>();
    line.put("productId", "\"" + product + "\"");
    line.put("quantity", "2");
    long before = events.count();
    long accepted = 0;

    for (int i = 0; i < 300; i++) {
      String body =
          i % 2 == 0
              ? fuzz.next(valid)
              : JsonFuzz.render(
                  Map.of(
                      "customerId", "\"" + UUID.randomUUID() + "\"",
                      "lines", "[" + fuzz.next(line) + "]"));
      HttpResponse<String> answer = service.post("/orders", body);
      assertThat(answer.statusCode())
          .as("POST /orders %s (seed %d)", body, fuzz.seed())
          .isIn(201, 400, 415, 422);
      accepted += answer.statusCode() == 201 ? 1 : 0;
    }

    for (int i = 0; i < 50; i++) {
      String noise = fuzz.next(Map.of()).replaceAll("[^A-Za-z0-9-]", "");
      assertThat(service.get("/orders/" + noise).statusCode()).isIn(200, 400, 404, 405);
      assertThat(service.get("/orders?customerId=" + noise + "&limit=" + noise).statusCode())
          .isIn(200, 400);
    }

    assertThat(events.count() - before).isEqualTo(accepted);
  }

  @Test
  void shouldPlaceAnOrderOnceHoweverOftenItsRequestComesWithOneIdempotencyKey() throws Exception {
    UUID customer = UUID.randomUUID();
    UUID product = knownProduct("2.00");
    String key = "retry-" + UUID.randomUUID();
    String body = order(customer, product, 1);

    // A client that retried at once, its first attempt still running, and once more later.
    List<CompletableFuture<HttpResponse<String>>> together = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      together.add(CompletableFuture.supplyAsync(() -> placeWithKey(key, body)));
    }
    List<HttpResponse<String>> answers = new ArrayList<>();
    together.forEach(answer -> answers.add(answer.join()));
    answers.add(placeWithKey(key, body));

    assertThat(answers).extracting(HttpResponse::statusCode).containsOnly(201);
    assertThat(answers)
        .extracting(answer -> JSON.readTree(answer.body()).get("id").asText())
        .containsOnly(JSON.readTree(answers.get(0).body()).get("id").asText());
    assertThat(JSON.readTree(service.get("/orders?customerId=" + customer).body()))
        .as("one order placed")
        .hasSize(1);

    HttpResponse<String> otherRequest = placeWithKey(key, order(customer, product, 2));
    assertThat(otherRequest.statusCode()).isEqualTo(422);
    assertThat(otherRequest.body()).contains("was used for another request");
    assertThat(placeWithKey("has space", body).statusCode()).isEqualTo(400);
    assertThat(placeWithKey("k".repeat(256), body).statusCode()).isEqualTo(400);
  }

  private static HttpResponse<String> placeWithKey(String key, String body) {
    return service.send(
        service
            .request("/orders", "Content-Type", "application/json", IdempotentRequests.HEADER, key)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  @Test
  void shouldPublishAnOrderInTheTraceOfTheRequestThatPlacedIt() throws Exception {
    UUID product = knownProduct("2.00");
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    events.inserted();

    HttpResponse<String> traced =
        service.send(
            service
                .request(
                    "/orders",
                    "Content-Type",
                    "application/json",
                    "traceparent",
                    "00-" + traceId + "-00f067aa0ba902b7-01")
                .POST(HttpRequest.BodyPublishers.ofString(order(UUID.randomUUID(), product, 1)))
                .build());
    HttpResponse<String> untraced = placeOrder(UUID.randomUUID(), product, 1);

    List<String> rows = events.inserted();
    String tracedRow = row(rows, JSON.readTree(traced.body()).get("id").asText());
    String untracedRow = row(rows, JSON.readTree(untraced.body()).get("id").asText());
    assertThat(tracedRow)
        .as("the caller's trace, in a span of the service's own")
        .containsPattern("tracingspancontext\\[[^]]*]:'00-" + traceId + "-[0-9a-f]{16}-01'")
        .doesNotContain("00f067aa0ba902b7");
    assertThat(untracedRow)
        .as("a trace of its own")
        .containsPattern("tracingspancontext\\[[^]]*]:'00-[0-9a-f]{32}-[0-9a-f]{16}-00'");
  }

  @Test
  void shouldPublishEachMoveOfAnOrderInTheTraceOfTheCustomerEventThatMovedIt() throws Exception {
    UUID product = knownProduct("2.00");
    UUID customer = UUID.randomUUID();
    String orderId = JSON.readTree(placeOrder(customer, product, 1).body()).get("id").asText();
    String created = "0af7651916cd43dd8448eb211c80319c";
    String changed = "5b8aa5a2d2c872e8321cf37308d69df2";
    events.inserted();

    // Sent together, in one record batch, so that the service applies both in one transaction.
    Properties lingering = broker.producerProperties();
    lingering.put(ProducerConfig.LINGER_MS_CONFIG, 1_000);
    try (KafkaProducer<String, Object> together = avroProducer(lingering)) {
      together.send(traced(created(customer, "1 Trace St"), customer, created));
      together.send(traced(addressChanged(customer, 2, "2 Trace St"), customer, changed));
    }
    awaitShippingAddress(orderId, "2 Trace St", 2);

    List<String> moves = events.inserted().stream().filter(r -> r.contains(orderId)).toList();
    assertThat(moves).hasSize(2);
    assertThat(moves.get(0))
        .as("the first event's trace, in a span of the service's own")
        .containsPattern("tracingspancontext\\[[^]]*]:'00-" + created + "-[0-9a-f]{16}-01'");
    assertThat(moves.get(1))
        .containsPattern("tracingspancontext\\[[^]]*]:'00-" + changed + "-[0-9a-f]{16}-01'");
  }

  /** A customer event as the relay sends it, in a trace. */
  private static ProducerRecord<String, Object> traced(
      SpecificRecord event, UUID customer, String traceId) {
    ProducerRecord<String, Object> record =
        new ProducerRecord<>(customerTopic, customer.toString(), event);
    record.headers().add("id", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
    record
        .headers()
        .add(
            "traceparent",
            ("00-" + traceId + "-b7ad6b7169203331-01").getBytes(StandardCharsets.UTF_8));
    return record;
  }

  /** A producer of Avro values as the services' outboxes write them. */
  private static KafkaProducer<String, Object> avroProducer(Properties settings) {
    return new KafkaProducer<>(
        settings,
        new StringSerializer(),
        serializer(
            Map.of(
                AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG,
                running.registryUrl(),
                AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG,
                TopicRecordNameStrategy.class.getName())));
  }

  /** The outbox row committed for an order, as logical decoding renders it. */
  private static String row(List<String> rows, String orderId) {
    return rows.stream().filter(r -> r.contains(orderId)).findFirst().orElseThrow();
  }

  @Test
  void shouldDescribeItsApiAndExposeMetrics() {
    assertThat(service.get("/v3/api-docs").body())
        .contains("Order service", "/orders", "/orders/{id}");
    assertThat(service.get("/actuator/prometheus").body()).contains("http_server_requests");
  }

  private static UUID knownProduct(String price) {
    return knownProduct(price, UUID.randomUUID());
  }

  /** Publishes the product, keyed by its id, and waits until the service knows it. */
  private static UUID knownProduct(String price, UUID product) {
    publish(
        inventoryTopic,
        product.toString(),
        ProductAdded.newBuilder()
            .setProductId(product)
            .setSku("SKU-" + product)
            .setName("Kettle")
            .setPrice(new BigDecimal(price))
            .setStock(100)
            .setAddedAt(Instant.now())
            .build());
    // Known once an order for it is accepted rather than refused as for an unknown product.
    await()
        .atMost(PATIENCE)
        .until(
            () ->
                service.post("/orders", order(UUID.randomUUID(), product, 1)).statusCode() == 201);
    return product;
  }

  private static HttpResponse<String> placeOrder(UUID customer, UUID product, int quantity) {
    HttpResponse<String> placed = service.post("/orders", order(customer, product, quantity));
    assertThat(placed.statusCode()).as(placed.body()).isEqualTo(201);
    return placed;
  }

  private static String order(UUID customer, UUID product, int quantity) {
    return """
        {"customerId": "%s", "lines": [{"productId": "%s", "quantity": %d}]}
        """
        .formatted(customer, product, quantity);
  }

  private static void awaitShippingAddress(String orderId, String street, long customerVersion) {
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> {
              JsonNode address =
                  JSON.readTree(service.get("/orders/" + orderId).body()).get("shippingAddress");
              assertThat(address.isNull()).isFalse();
              assertThat(address.get("street").asText()).isEqualTo(street);
              assertThat(address.get("customerVersion").asLong()).isEqualTo(customerVersion);
            });
  }

  private static CustomerCreated created(UUID customer, String street) {
    return CustomerCreated.newBuilder()
        .setCustomerId(customer)
        .setName("Ada")
        .setEmail("ada@example.com")
        .setCreditLimit(new BigDecimal("100.00"))
        .setAddress(new Address(street, "Berlin", "10115", "DE"))
        .setCreatedAt(Instant.now())
        .build();
  }

  private static CustomerAddressChanged addressChanged(UUID customer, long version, String street) {
    return CustomerAddressChanged.newBuilder()
        .setCustomerId(customer)
        .setCustomerVersion(version)
        .setAddress(new Address(street, "Hamburg", "20095", "DE"))
        .setChangedAt(Instant.now())
        .build();
  }

  private static UUID publish(String topic, String key, SpecificRecord event) {
    return publish(topic, key, event, UUID.randomUUID());
  }

  private static UUID publish(String topic, String key, SpecificRecord event, UUID id) {
    try {
      send(topic, key, event, id).get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return id;
  }

  /** Sends as the relay does, the id and event type in headers, without waiting. */
  private static Future<RecordMetadata> send(
      String topic, String key, SpecificRecord event, UUID id) {
    ProducerRecord<String, Object> record = new ProducerRecord<>(topic, key, event);
    record.headers().add("id", id.toString().getBytes(StandardCharsets.UTF_8));
    record
        .headers()
        .add("eventType", event.getSchema().getFullName().getBytes(StandardCharsets.UTF_8));
    return producer.send(record);
  }

  /** The service's count of consumed events of a type with an outcome, from its metrics. */
  private static double consumed(String type, String outcome) {
    Matcher m =
        Pattern.compile(
                "tideway_order_events_consumed_total\\{[^}]*outcome=\""
                    + outcome
                    + "\"[^}]*type=\""
                    + type
                    + "\"[^}]*} (\\S+)")
            .matcher(service.get("/actuator/prometheus").body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  /** The dead letters that are wanted, once there are {@code expected} of them. */
  private static List<ConsumerRecord<byte[], byte[]>> deadLetters(
      Predicate<ConsumerRecord<byte[], byte[]>> wanted, int expected) {
    return running.deadLetters(deadLetters, wanted, expected, PATIENCE);
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static String key(ConsumerRecord<byte[], byte[]> record) {
    return new String(record.key(), StandardCharsets.UTF_8);
  }

  /** Attempts to apply an event that failed, as the service counts them. */
  private static double failedAttempts() {
    Matcher m =
        Pattern.compile("tideway_order_events_failed_total\\{[^}]*} (\\S+)")
            .matcher(service.get("/actuator/prometheus").body());
    double total = 0;
    while (m.find()) {
      total += Double.parseDouble(m.group(1));
    }
    return total;
  }

  private static AvroSerializer<Object> serializer(Map<String, Object> config) {
    AvroSerializer<Object> serializer = new AvroSerializer<>();
    serializer.configure(config, false);
    return serializer;
  }
}
