package io.tideway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.contracts.common.Address;
import io.tideway.contracts.customer.CustomerAddressChanged;
import io.tideway.contracts.order.OrderApproved;
import io.tideway.contracts.order.OrderPlaced;
import io.tideway.deploy.PlatformEndpoints;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference system end to end on the platform {@code tideway up} runs, every part real: the
 * services' HTTP APIs, their outboxes, the relay, Kafka, the order service's listener and the
 * projections queried on the runtime. One platform for the class: the tests use data of their own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReferenceFlowIT {

  private static final ObjectMapper JSON = ReferenceSystemUnderTest.JSON;
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final List<String> EVENT_TOPICS =
      List.of("customer.events", "order.events", "inventory.events");

  private Path dataDir;
  private ReferenceSystemUnderTest system;
  private PlatformEndpoints endpoints;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    dataDir = dir;
    system = ReferenceSystemUnderTest.start(dir);
    endpoints = system.endpoints();
  }

  @AfterAll
  void stop() throws Exception {
    if (system != null) {
      system.close();
    }
  }

  @Test
  void shouldCarryAnAddressChangeToTheOrderAndTheReadModelsExactlyOnceAndNewestFirst()
      throws Exception {
    // given a customer, a product and an order
    Placed placed = placeApprovedOrder("Ada", "KETTLE-1");
    String customer = placed.customer();
    String orderId = placed.orderId();
    JsonNode order = system.json("order", "/orders/" + orderId);
    assertThat(order.get("shippingAddress").get("street").asText()).isEqualTo("1 Main St");
    assertThat(order.get("total").decimalValue()).isEqualByComparingTo("39.98");

    // when the customer moves
    HttpResponse<String> moved =
        send(
            HttpRequest.newBuilder(
                    URI.create(service("customer") + "/customers/" + customer + "/address"))
                .header("Content-Type", "application/json")
                .header("If-Match", "\"1\"")
                .PUT(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"street\": \"2 New Rd\", \"city\": \"Hamburg\", \"postalCode\":"
                            + " \"20095\", \"country\": \"DE\"}"))
                .build());
    assertThat(moved.statusCode()).as(moved.body()).isEqualTo(200);

    // then the order ships there, and both read models say so
    awaitAddress(customer, orderId, "2 New Rd", 2);
    JsonNode customerOrders = stored("customer-orders", customer);
    assertThat(customerOrders.get("name").asText()).isEqualTo("Ada");
    assertThat(customerOrders.get("orders")).hasSize(1);
    assertThat(customerOrders.get("orders").get(0).get("orderId").asText()).isEqualTo(orderId);

    // when every event is delivered a second time
    String orderBefore = get("order", "/orders/" + orderId).body();
    JsonNode customerOrdersBefore = stored("customer-orders", customer);
    JsonNode orderViewBefore = stored("order-view", orderId);
    double projectionDuplicates = projectionDuplicates();
    double serviceDuplicates = orderServiceDuplicates();
    int consumedByProjections = redeliver("customer.events") + redeliver("order.events");
    int consumedByOrderService = redeliver("inventory.events") + countOf("customer.events");

    // then every copy is recognised and dropped, and nothing changes
    await()
        .atMost(PATIENCE)
        .until(() -> projectionDuplicates() >= projectionDuplicates + consumedByProjections);
    await()
        .atMost(PATIENCE)
        .until(() -> orderServiceDuplicates() >= serviceDuplicates + consumedByOrderService);
    awaitCaughtUp();
    assertThat(get("order", "/orders/" + orderId).body()).isEqualTo(orderBefore);
    assertThat(stored("customer-orders", customer)).isEqualTo(customerOrdersBefore);
    assertThat(stored("order-view", orderId)).isEqualTo(orderViewBefore);
    assertThat(JSON.readTree(get("order", "/orders?customerId=" + customer).body())).hasSize(1);

    // when two more changes arrive newest first
    publishAddressChange(customer, 4, "4 Fourth St");
    publishAddressChange(customer, 3, "3 Third Ave");

    // then the newer one stays
    awaitAddress(customer, orderId, "4 Fourth St", 4);
    awaitCaughtUp();
    awaitAddress(customer, orderId, "4 Fourth St", 4);
  }

  @Test
  void shouldListAnOrdersEventsAnswerAsOfAPastTimeAndRebuildWithNoFailedQuery() throws Exception {
    Placed placed = placeApprovedOrder("Grace", "TOASTER-1");
    String url = endpoints.query().url();

    // the order's audit trail, in order
    await()
        .atMost(PATIENCE)
        .until(
            () ->
                get(url, "/v1/aggregates/order/" + placed.orderId() + "/events").statusCode()
                    == 200);
    await()
        .atMost(PATIENCE)
        .until(
            () ->
                system
                    .json(url, "/v1/aggregates/order/" + placed.orderId() + "/events")
                    .get("events")
                    .findValuesAsText("eventType")
                    .contains(OrderApproved.class.getName()));
    JsonNode events =
        system.json(url, "/v1/aggregates/order/" + placed.orderId() + "/events").get("events");
    assertThat(events.get(0).get("eventType").asText()).isEqualTo(OrderPlaced.class.getName());
    assertThat(events.get(0).get("payload").get("orderId").asText()).isEqualTo(placed.orderId());
    assertThat(events.get(0).get("eventId").asText()).isNotBlank();
    Run history = tideway("history", "order", placed.orderId());
    assertThat(history.code()).as(history.err()).isZero();
    assertThat(history.out().indexOf("OrderPlaced"))
        .isLessThan(history.out().indexOf("OrderApproved"));
    assertThat(get(url, "/v1/aggregates/order/" + UUID.randomUUID() + "/events").statusCode())
        .isEqualTo(404);
    // each entry of the history store answers by its own key, from its aggregate's partition
    for (String type : List.of("order", "customer")) {
      String id = type.equals("order") ? placed.orderId() : placed.customer();
      for (JsonNode event :
          system.json(url, "/v1/aggregates/" + type + "/" + id + "/events").get("events")) {
        String key = id + "/" + "%019d".formatted(event.get("offset").asLong());
        HttpResponse<String> entry =
            get(url, "/v1/stores/" + type + "-history/keys/" + key.replace("/", "%2F"));
        assertThat(entry.statusCode()).as(key + ": " + entry.body()).isEqualTo(200);
      }
    }

    // what customer-orders said when the order was placed, and once its approval was committed:
    // versions are stamped with event times, a placement's by when it was placed, others' by
    // their commit (occurredAt)
    String placedAt = events.get(0).get("payload").get("placedAt").asText();
    String approvedAt =
        events.findParents("eventType").stream()
            .filter(e -> e.get("eventType").asText().equals(OrderApproved.class.getName()))
            .findFirst()
            .orElseThrow()
            .get("occurredAt")
            .asText();
    await()
        .atMost(PATIENCE)
        .until(
            () ->
                stored("customer-orders", placed.customer())
                    .at("/orders/0/status")
                    .asText()
                    .equals("APPROVED"));
    String justBefore = Instant.parse(placedAt).minusMillis(1).toString();
    Run then = tideway("query", "customer-orders", placed.customer(), "--as-of", justBefore);
    assertThat(then.code()).as(then.err()).isZero();
    JsonNode beforeTheOrder = JSON.readTree(then.out());
    assertThat(beforeTheOrder.at("/value/value/name").asText()).isEqualTo("Grace");
    assertThat(beforeTheOrder.at("/value/value/orders")).isEmpty();
    JsonNode asApproved =
        system.json(
            url, "/v1/stores/customer-orders/keys/" + placed.customer() + "?asOf=" + approvedAt);
    assertThat(asApproved.at("/value/value/orders/0/status").asText()).isEqualTo("APPROVED");
    assertThat(Instant.parse(asApproved.at("/value/validFrom").asText()))
        .isAfter(Instant.parse(justBefore));
    Run future =
        tideway("query", "customer-orders", placed.customer(), "--as-of", "2999-01-01T00:00:00Z");
    assertThat(future.code()).isEqualTo(2);
    assertThat(future.err()).contains("in the future");

    // a rebuild under a query load: every query answered, nothing changes
    JsonNode before = stored("customer-orders", placed.customer());
    JsonNode orderBefore = stored("order-view", placed.orderId());
    Run plan = tideway("replay", "rebuild", "reference-projections", "--dry-run");
    assertThat(plan.code()).as(plan.err()).isZero();
    assertThat(plan.out()).contains("Would rebuild", "customer.events", "order.events");
    java.util.concurrent.atomic.AtomicBoolean going =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicInteger answered =
        new java.util.concurrent.atomic.AtomicInteger();
    Thread queries =
        new Thread(
            () -> {
              while (going.get()) {
                for (String[] lookup :
                    List.of(
                        new String[] {"customer-orders", placed.customer()},
                        new String[] {"order-view", placed.orderId()})) {
                  HttpResponse<String> answer =
                      get(url, "/v1/stores/" + lookup[0] + "/keys/" + lookup[1]);
                  try {
                    JsonNode expected = lookup[0].equals("order-view") ? orderBefore : before;
                    if (answer.statusCode() != 200) {
                      failures.add(answer.statusCode() + " " + answer.body());
                    } else if (!JSON.readTree(answer.body()).get("value").equals(expected)) {
                      failures.add("changed: " + answer.body());
                    } else {
                      answered.incrementAndGet();
                    }
                  } catch (java.io.IOException e) {
                    failures.add(e.toString());
                  }
                }
              }
            });
    queries.start();
    Run rebuild = tideway("replay", "rebuild", "reference-projections");
    going.set(false);
    queries.join();

    assertThat(rebuild.code()).as(rebuild.out() + rebuild.err()).isZero();
    assertThat(rebuild.out()).contains("CATCHING_UP", "Done");
    assertThat(failures).isEmpty();
    assertThat(answered.get()).isPositive();
    assertThat(system.json(url, "/v1/deployments").findValuesAsText("applicationId"))
        .anyMatch(id -> id.startsWith("reference-projections" + "-g"));
    assertThat(stored("customer-orders", placed.customer())).isEqualTo(before);
    assertThat(tideway("history", "order", placed.orderId()).out()).contains("OrderApproved");

    // a reset's plan, changing nothing
    Run reset = tideway("replay", "reset", "reference-projections", "--to-earliest", "--dry-run");
    assertThat(reset.code()).as(reset.err()).isZero();
    assertThat(reset.out()).contains("Would reset", "order.events", "Dry run: nothing changed.");
  }

  @Test
  void shouldMeasureThePipelineBesideItsPeerAndTheCeilingAndReportIt(@TempDir Path out)
      throws Exception {
    Path report = out.resolve("report");
    Run run =
        tideway(
            "loadtest",
            "pipeline",
            "--duration",
            "3s",
            "--warmup",
            "1s",
            "--jit-warmup",
            "2s",
            "--rate",
            "40",
            "--concurrency",
            "4",
            "--no-baselines",
            "--report",
            report.toString());

    assertThat(run.code()).as(run.out() + run.err()).isZero();
    assertThat(run.out())
        .contains(
            "insert-only ceiling",
            "pipeline, full speed",
            "pipeline at 40/s",
            "outbox → Kafka, full speed",
            "modulith, full speed",
            "modulith at 40/s",
            "stage outbox append → on Kafka",
            "pipeline / Spring Modulith",
            "platform memory, peak PSS",
            "Report written to");
    JsonNode document = JSON.readTree(report.resolve("report.json").toFile());
    // Each run's records completed, the pipeline's only once its read model answered with them.
    assertThat(document.get("runs")).hasSize(6);
    for (JsonNode phase : document.get("runs")) {
      assertThat(phase.get("recordsMeasured").asLong()).as(phase.toString()).isPositive();
      assertThat(phase.get("recordsLost").asLong()).as(phase.toString()).isZero();
      assertThat(phase.get("timeline")).as(phase.toString()).isNotEmpty();
    }
    assertThat(document.get("stages")).hasSize(3);
    assertThat(document.at("/memory/peakRssBytes").asLong()).isPositive();
    assertThat(report.resolve("index.html")).isRegularFile();
  }

  @Test
  void shouldTellTheDemoStoryStepByStep() {
    Run demo = tideway("demo");

    assertThat(demo.code()).as(demo.err()).isZero();
    assertThat(demo.out())
        .contains("Customer registered", "Order placed", "Ada moved to Hamburg")
        .contains("Order service updated the order's shipping address")
        .contains("Read model customer-orders shows 5 Jungfernstieg, Hamburg and 1 order(s)")
        .contains("Top products of the last five minutes")
        .contains("A change based on an old version is refused")
        .contains("Done.");
  }

  @Test
  void shouldRankTheProductsOfEveryPartitionInTheTopProducts() throws Exception {
    // given: six products, whose sales the projections count on different partitions
    String customer = createCustomer("Grace", "100000.00");
    List<String> products = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      products.add(
          ReferenceSystemUnderTest.created(
              post(
                  "inventory",
                  "/products",
                  "{\"sku\": \"RANK-%s\", \"name\": \"Ranked\", \"price\": %d.00, \"stock\": 100}"
                      .formatted(UUID.randomUUID(), 1000 + i))));
    }
    StringBuilder lines = new StringBuilder();
    for (String product : products) {
      lines
          .append(lines.isEmpty() ? "" : ", ")
          .append("{\"productId\": \"%s\", \"quantity\": 1}".formatted(product));
    }
    String order = "{\"customerId\": \"%s\", \"lines\": [%s]}".formatted(customer, lines);

    List<String> dearestFirst = new ArrayList<>(products);
    Collections.reverse(dearestFirst);

    // when: one order of all six
    await().atMost(PATIENCE).until(() -> post("order", "/orders", order).statusCode() == 201);

    // then: all six are ranked, dearest first, above anything the other tests sold
    await()
        .atMost(PATIENCE)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              List<String> top = new ArrayList<>();
              stored("top-products", "last-5-minutes")
                  .get("top")
                  .forEach(entry -> top.add(entry.get("productId").asText()));
              assertThat(top.subList(0, 6)).containsExactlyElementsOf(dearestFirst);
            });
  }

  private String createCustomer(String name, String creditLimit) throws Exception {
    return ReferenceSystemUnderTest.created(
        post(
            "customer",
            "/customers",
            """
            {"name": "%s", "email": "%s@example.com", "creditLimit": %s,
             "address": {"street": "1 Main St", "city": "Berlin", "postalCode": "10115",
                         "country": "DE"}}
            """
                .formatted(name, name.toLowerCase(java.util.Locale.ROOT), creditLimit)));
  }

  private record Placed(String customer, String orderId) {}

  /** A new customer and product, and an order of two that the place-order saga approved. */
  private Placed placeApprovedOrder(String name, String sku) throws Exception {
    String customer = createCustomer(name, "500.00");
    String product =
        ReferenceSystemUnderTest.created(
            post(
                "inventory",
                "/products",
                "{\"sku\": \"%s\", \"name\": \"Kettle\", \"price\": 19.99, \"stock\": 10}"
                    .formatted(sku)));
    String orderBody =
        "{\"customerId\": \"%s\", \"lines\": [{\"productId\": \"%s\", \"quantity\": 2}]}"
            .formatted(customer, product);
    // The order service learns the product from its event: until then it refuses the order.
    await().atMost(PATIENCE).until(() -> post("order", "/orders", orderBody).statusCode() == 201);
    String orderId =
        JSON.readTree(get("order", "/orders?customerId=" + customer).body())
            .get(0)
            .get("id")
            .asText();
    // The place-order saga reserves credit and stock, then approves it.
    await()
        .atMost(PATIENCE)
        .until(
            () ->
                system
                    .json("order", "/orders/" + orderId)
                    .get("status")
                    .asText()
                    .equals("APPROVED"));
    return new Placed(customer, orderId);
  }

  private record Run(int code, String out, String err) {}

  private Run tideway(String... args) {
    CapturedCommandLine cli = new CapturedCommandLine();
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--data-dir");
    all.add(dataDir.toString());
    int code = cli.run(all.toArray(String[]::new));
    return new Run(code, cli.out(), cli.err());
  }

  private void awaitAddress(String customer, String orderId, String street, long version) {
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> {
              JsonNode order = JSON.readTree(get("order", "/orders/" + orderId).body());
              assertThat(order.get("shippingAddress").get("street").asText()).isEqualTo(street);
              assertThat(order.get("shippingAddress").get("customerVersion").asLong())
                  .isEqualTo(version);
              JsonNode customerOrders = stored("customer-orders", customer);
              assertThat(customerOrders.get("address").get("street").asText()).isEqualTo(street);
              assertThat(customerOrders.get("customerVersion").asLong()).isEqualTo(version);
              JsonNode orderView = stored("order-view", orderId);
              assertThat(orderView.get("shippingAddress").get("street").asText()).isEqualTo(street);
            });
  }

  /** Both the order service's group and the projections have read everything there is. */
  private void awaitCaughtUp() {
    await()
        .atMost(PATIENCE)
        .until(
            () ->
                lag("order-service") == 0
                    && system
                        .json(endpoints.query().url(), "/v1/deployments")
                        .findValues("lag")
                        .stream()
                        .allMatch(lag -> lag.asLong() == 0));
  }

  /** Sends every record of a topic again, as it was: key, value and headers. */
  private int redeliver(String topic) throws Exception {
    List<ConsumerRecord<byte[], byte[]>> records = readAll(topic);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                endpoints.kafka().bootstrap(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      for (ConsumerRecord<byte[], byte[]> r : records) {
        producer.send(
            new ProducerRecord<>(topic, r.partition(), null, r.key(), r.value(), r.headers()));
      }
      producer.flush();
    }
    return records.size();
  }

  private int countOf(String topic) throws Exception {
    // Half of it now is the copies just sent.
    return readAll(topic).size() / 2;
  }

  private List<ConsumerRecord<byte[], byte[]>> readAll(String topic) throws Exception {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                endpoints.kafka().bootstrap(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  private void publishAddressChange(String customer, long version, String street) throws Exception {
    system.publish(
        "customer.events",
        customer,
        CustomerAddressChanged.newBuilder()
            .setCustomerId(UUID.fromString(customer))
            .setCustomerVersion(version)
            .setAddress(new Address(street, "Munich", "80331", "DE"))
            .setChangedAt(Instant.now())
            .build());
  }

  private long lag(String group) throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.kafka().bootstrap()))) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
      committed.keySet().forEach(p -> latest.put(p, OffsetSpec.latest()));
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
          admin.listOffsets(latest).all().get();
      Set<String> topics = Set.copyOf(EVENT_TOPICS);
      return committed.entrySet().stream()
          .filter(e -> topics.contains(e.getKey().topic()))
          .mapToLong(e -> ends.get(e.getKey()).offset() - e.getValue().offset())
          .sum();
    }
  }

  private double projectionDuplicates() {
    return ReferenceSystemUnderTest.sum(
        get(endpoints.query().url(), "/metrics").body(),
        "kafka_stream_tideway_dedupe_duplicates_dropped_total\\{[^}]*} (\\S+)");
  }

  private double orderServiceDuplicates() {
    return ReferenceSystemUnderTest.sum(
        get("order", "/actuator/prometheus").body(),
        "tideway_order_events_consumed_total\\{[^}]*outcome=\"(?:duplicate|ignored)\"[^}]*} (\\S+)");
  }

  private JsonNode stored(String store, String key) throws Exception {
    return system.stored(store, key);
  }

  private String service(String name) {
    return system.service(name);
  }

  private HttpResponse<String> get(String service, String path) {
    return system.get(service, path);
  }

  private HttpResponse<String> post(String service, String path, String json) {
    return system.post(service, path, json);
  }

  private HttpResponse<String> send(HttpRequest request) {
    return system.send(request);
  }
}
