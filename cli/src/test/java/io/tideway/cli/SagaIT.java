package io.tideway.cli;

import static io.tideway.cli.ReferenceSystemUnderTest.created;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tideway.contracts.customer.CustomerCreditReserved;
import io.tideway.contracts.inventory.StockReserved;
import io.tideway.projections.saga.PlaceOrderSaga;
import io.tideway.schemas.serde.AvroSerde;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.topics.Topics;
import io.tideway.topology.runtime.RuntimeClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The place-order saga end to end on the platform {@code tideway up} runs: the order service's API,
 * the outboxes, the relay, the saga on the runtime, and the customer and inventory services
 * answering its commands, every part real. Each test uses customers and products of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SagaIT {

  private static final Duration PATIENCE = Duration.ofSeconds(90);

  private Path dataDir;
  private ReferenceSystemUnderTest system;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    dataDir = dir;
    system = ReferenceSystemUnderTest.start(dir);
  }

  @AfterAll
  void stop() throws Exception {
    if (system != null) {
      system.close();
    }
  }

  @Test
  void approvesAnOrderThatFitsTheCreditAndTheStock() throws Exception {
    String customer = customer("100.00");
    String kettle = product("10.00", 5);

    String order = place(customer, kettle, 2);

    assertThat(awaitDecided(order)).isEqualTo("APPROVED");
    assertThat(credit(customer).get("reserved").decimalValue()).isEqualByComparingTo("20.00");
    assertThat(stock(kettle)).isEqualTo(3);
    JsonNode saga = saga(order);
    assertThat(saga.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(saga.get("history").findValuesAsText("event"))
        .containsSubsequence("STARTED", "COMMAND_SENT", "SUCCEEDED", "COMPLETED");
    assertThat(saga.get("history").findValuesAsText("step"))
        .contains("reserve-credit", "reserve-stock", "approve-order");

    // A duplicate reply (a new event id) and a reply to an earlier step, after the end: both are
    // counted and ignored.
    double ignored = ignoredAfterEnd();
    UUID orderId = UUID.fromString(order);
    system.publish(
        "customer.events",
        customer,
        new CustomerCreditReserved(
            UUID.fromString(customer), orderId, new BigDecimal("20.00"), Instant.now()));
    system.publish("inventory.events", order, new StockReserved(orderId, List.of(), Instant.now()));
    await().atMost(PATIENCE).until(() -> ignoredAfterEnd() >= ignored + 2);
    assertThat(saga(order).get("history")).hasSize(saga.get("history").size());
    assertThat(credit(customer).get("reserved").decimalValue()).isEqualByComparingTo("20.00");

    String shown = cli("sagas", "show", order);
    assertThat(shown).contains("place-order " + order + ": COMPLETED", "reserve-stock");
    assertThat(cli("sagas", "list", "--state", "COMPLETED", "--limit", "1000")).contains(order);
  }

  @Test
  void rejectsAnOrderOverTheCreditLimitAndReservesNothing() throws Exception {
    String customer = customer("15.00");
    String kettle = product("10.00", 5);

    String order = place(customer, kettle, 2);

    assertThat(awaitDecided(order)).isEqualTo("REJECTED");
    assertThat(credit(customer).get("reserved").decimalValue()).isZero();
    assertThat(stock(kettle)).isEqualTo(5);
    JsonNode saga = saga(order);
    assertThat(saga.get("status").asText()).isEqualTo("COMPENSATED");
    assertThat(saga.get("failure").asText()).contains("credit limit 15.00 exceeded");
  }

  @Test
  void releasesTheCreditWhenStockIsShortSoALaterOrderFits() throws Exception {
    String customer = customer("30.00");
    String scarce = product("10.00", 1);
    String plenty = product("25.00", 5);

    String tooMany = place(customer, scarce, 2);
    assertThat(awaitDecided(tooMany)).isEqualTo("REJECTED");
    assertThat(saga(tooMany).get("history").findValuesAsText("event"))
        .containsSubsequence("FAILED", "COMPENSATION_SENT", "COMPENSATED");

    // 25.00 fits the limit of 30.00 only if the 20.00 held for the first order came back.
    String later = place(customer, plenty, 1);
    assertThat(awaitDecided(later)).isEqualTo("APPROVED");
    assertThat(credit(customer).get("reserved").decimalValue()).isEqualByComparingTo("25.00");
    assertThat(stock(scarce)).isEqualTo(1);
    assertThat(stock(plenty)).isEqualTo(4);
  }

  @Test
  void aStoppedParticipantTimesOutAndNothingStaysReserved() throws Exception {
    String customer = customer("100.00");
    String kettle = product("10.00", 5);
    system.platform().stopService("inventory");
    String order;
    try {
      order = place(customer, kettle, 3);
      await().atMost(PATIENCE).until(() -> events(order).contains("TIMED_OUT"));
      assertThat(saga(order).get("status").asText()).isEqualTo("COMPENSATING");
    } finally {
      system.platform().startService("inventory");
    }

    // The inventory reserves late, then releases: the saga undoes everything it did.
    assertThat(awaitDecided(order)).isEqualTo("REJECTED");
    await().atMost(PATIENCE).until(() -> saga(order).get("status").asText().equals("COMPENSATED"));
    assertThat(saga(order).get("failure").asText()).isEqualTo("reserve-stock timed out");
    assertThat(credit(customer).get("reserved").decimalValue()).isZero();
    assertThat(stock(kettle)).isEqualTo(5);
  }

  /**
   * A rebuild of the saga's deployment is refused unless sagas are allowed, as a rebuilt saga may
   * end otherwise than it did. Allowed, it restarts with the live settings once it has caught up:
   * the rebuilt deployment then runs the next saga, its commands and lifecycle written through the
   * same serdes. Last: the saga's application id changes for every runtime of the platform.
   */
  @Test
  @Order(Integer.MAX_VALUE)
  void aSagaDeploymentIsRebuiltOnlyWhenAllowedAndThenRunsTheNextSaga() throws Exception {
    String customer = customer("100.00");
    String kettle = product("10.00", 5);
    assertThat(awaitDecided(place(customer, kettle, 1))).isEqualTo("APPROVED");

    assertThat(cli("replay", "rebuild", PlaceOrderSaga.NAME, "--dry-run"))
        .contains("runs sagas (place-order-saga-instances)");
    CapturedCommandLine refused = new CapturedCommandLine();
    assertThat(
            refused.run("replay", "rebuild", PlaceOrderSaga.NAME, "--data-dir", dataDir.toString()))
        .isEqualTo(2);
    assertThat(refused.err()).contains("runs sagas", "--allow-sagas");
    assertThat(system.json(system.endpoints().query().url(), "/v1/deployments").toString())
        .doesNotContain(PlaceOrderSaga.NAME + "-g2");

    assertThat(cli("replay", "rebuild", PlaceOrderSaga.NAME, "--allow-sagas")).contains("Done");

    String next = place(customer, kettle, 1);
    assertThat(awaitDecided(next)).isEqualTo("APPROVED");
    await().atMost(PATIENCE).until(() -> saga(next).get("status").asText().equals("COMPLETED"));
    assertThat(events(next)).containsSubsequence("STARTED", "COMMAND_SENT", "COMPLETED");
  }

  private List<String> events(String sagaId) throws Exception {
    return saga(sagaId).get("history").findValuesAsText("event");
  }

  /**
   * The saga runtime is killed with SIGKILL twice while orders flow, so sagas are cut at every
   * step; after each restart every saga still ends once, and what the services hold is exactly what
   * the approved orders hold.
   */
  @Test
  @Order(Integer.MAX_VALUE - 1)
  void everySagaEndsOnceThoughTheSagaRuntimeIsKilledTwice(@TempDir Path runtimeDir)
      throws Exception {
    List<String> customers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      customers.add(customer("50.00"));
    }
    String kettle = product("10.00", 40);
    // The order service knows the product from now on; the first customer holds 10.00 more.
    assertThat(awaitDecided(place(customers.get(0), kettle, 1))).isEqualTo("APPROVED");
    int before = stock(kettle);

    List<String> orders = new CopyOnWriteArrayList<>();
    onARuntimeOfItsOwn(
        runtimeDir,
        runtime -> {
          Thread placing =
              new Thread(
                  () -> {
                    for (int i = 0; i < 24; i++) {
                      try {
                        orders.add(place(customers.get(i % customers.size()), kettle, 2));
                        Thread.sleep(300);
                      } catch (Exception e) {
                        throw new IllegalStateException(e);
                      }
                    }
                  });
          placing.start();
          for (int kill = 0; kill < 2; kill++) {
            Thread.sleep(2_500);
            runtime.killAndRestart();
            runtime.awaitReady(PATIENCE);
          }
          placing.join();
          assertThat(orders).hasSize(24);

          Map<String, String> decided = new HashMap<>();
          for (String order : orders) {
            decided.put(order, awaitDecided(order));
          }
          JsonNode unfinished = system.json(runtime.url(), "/v1/sagas?state=RUNNING").get("sagas");
          await()
              .atMost(PATIENCE)
              .until(
                  () ->
                      system.json(runtime.url(), "/v1/sagas?state=RUNNING").get("sagas").isEmpty()
                          && system
                              .json(runtime.url(), "/v1/sagas?state=COMPENSATING")
                              .get("sagas")
                              .isEmpty());
          for (String order : orders) {
            String expected = decided.get(order).equals("APPROVED") ? "COMPLETED" : "COMPENSATED";
            assertThat(system.json(runtime.url(), "/v1/sagas/" + order).get("status").asText())
                .as(
                    "saga of order %s (%s), unfinished earlier: %s",
                    order, decided.get(order), unfinished)
                .isEqualTo(expected);
          }
          long approved = decided.values().stream().filter("APPROVED"::equals).count();
          // Each customer's limit holds two orders of 20.00 (a saga that timed out while the
          // runtime
          // was down rejects its order instead, and gives everything back).
          assertThat(approved).isBetween(1L, 8L);
          assertThat(stock(kettle)).isEqualTo(before - 2 * (int) approved);
          for (String customer : customers) {
            BigDecimal held =
                orders.stream()
                    .filter(o -> decided.get(o).equals("APPROVED"))
                    .filter(o -> orderOf(o).get("customerId").asText().equals(customer))
                    .map(o -> orderOf(o).get("total").decimalValue())
                    .reduce(BigDecimal.ZERO, BigDecimal::add);
            if (customer.equals(customers.get(0))) {
              held = held.add(BigDecimal.TEN);
            }
            assertThat(credit(customer).get("reserved").decimalValue())
                .as("credit held for customer %s", customer)
                .isEqualByComparingTo(held);
          }
        });
  }

  /**
   * The saga runtime is killed with SIGKILL right after each step's command has been committed (as
   * its lifecycle record shows), before the step's reply is processed; after each restart the saga
   * completes once, and the order's credit and stock are held once.
   */
  @Test
  @Order(Integer.MAX_VALUE - 1)
  void aSagaEndsOnceThoughItsRuntimeIsKilledRightAfterEachStep(@TempDir Path runtimeDir)
      throws Exception {
    String kettle = product("10.00", 10);
    String first = customer("50.00");
    assertThat(awaitDecided(place(first, kettle, 1))).isEqualTo("APPROVED");
    onARuntimeOfItsOwn(
        runtimeDir,
        runtime -> {
          try (Lifecycle lifecycle = new Lifecycle()) {
            for (String step : List.of("reserve-credit", "reserve-stock", "approve-order")) {
              String customer = customer("50.00");
              int stock = stock(kettle);
              String order = place(customer, kettle, 1);
              lifecycle.await(order, "COMMAND_SENT", step);
              runtime.killAndRestart();
              runtime.awaitReady(PATIENCE);

              assertThat(awaitDecided(order))
                  .as("order killed after %s", step)
                  .isEqualTo("APPROVED");
              await()
                  .atMost(PATIENCE)
                  .until(
                      () ->
                          system
                              .json(runtime.url(), "/v1/sagas/" + order)
                              .get("status")
                              .asText()
                              .equals("COMPLETED"));
              assertThat(credit(customer).get("reserved").decimalValue())
                  .as("credit held after a kill after %s", step)
                  .isEqualByComparingTo("10.00");
              assertThat(stock(kettle))
                  .as("stock after a kill after %s", step)
                  .isEqualTo(stock - 1);
            }
          }
        });
  }

  /** What a test does with the saga moved to a runtime of its own, in a JVM it can kill. */
  private interface OnItsOwnRuntime {
    void run(SagaRuntimeProcess runtime) throws Exception;
  }

  /**
   * Moves the saga to a runtime of its own (both runtimes run the projections), runs the test
   * there, and moves it back.
   */
  private void onARuntimeOfItsOwn(Path runtimeDir, OnItsOwnRuntime test) throws Exception {
    RuntimeClient local = new RuntimeClient(system.endpoints().query().url());
    local.undeploy(PlaceOrderSaga.NAME);
    try (SagaRuntimeProcess runtime =
        SagaRuntimeProcess.start(
            system.endpoints().kafka().bootstrap(),
            system.endpoints().registry().url(),
            runtimeDir)) {
      runtime.awaitReady(PATIENCE);
      new RuntimeClient(runtime.url()).deploy(projectionsJar(), Map.of(), 1, false, false);
      runtime.awaitReady(PATIENCE);
      test.run(runtime);
    } finally {
      local.deploy(projectionsJar(), Map.of(), 1, false, false);
    }
  }

  /** The saga's lifecycle topic as a read-committed consumer sees it, from now on. */
  private final class Lifecycle implements AutoCloseable {

    private final KafkaConsumer<String, GenericRecord> consumer;

    Lifecycle() {
      AvroSerde<GenericRecord> values = AvroSerde.generic();
      values.configure(
          Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, system.endpoints().registry().url()),
          false);
      consumer =
          new KafkaConsumer<>(
              Map.of(
                  ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  system.endpoints().kafka().bootstrap(),
                  ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                  "read_committed"),
              new StringDeserializer(),
              values.deserializer());
      String topic = Topics.sagaLifecycle(PlaceOrderSaga.SAGA).name();
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position);
    }

    /** Waits until the saga of {@code sagaId} has committed a transition. */
    void await(String sagaId, String event, String step) {
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, GenericRecord> record : consumer.poll(Duration.ofMillis(50))) {
          GenericRecord transition = record.value();
          if (record.key().equals(sagaId)
              && transition.get("event").toString().equals(event)
              && String.valueOf(transition.get("step")).equals(step)) {
            return;
          }
        }
      }
      throw new AssertionError("No " + event + " of " + step + " for saga " + sagaId);
    }

    @Override
    public void close() {
      consumer.close();
    }
  }

  // --- the reference system's API

  private String customer(String creditLimit) throws Exception {
    return created(
        system.post(
            "customer",
            "/customers",
            """
            {"name": "Saga Test", "email": "saga@example.com", "creditLimit": %s,
             "address": {"street": "1 Main St", "city": "Berlin", "postalCode": "10115",
                         "country": "DE"}}
            """
                .formatted(creditLimit)));
  }

  private String product(String price, int stock) throws Exception {
    String sku = "SKU-" + UUID.randomUUID().toString().substring(0, 8);
    return created(
        system.post(
            "inventory",
            "/products",
            "{\"sku\": \"%s\", \"name\": \"Thing\", \"price\": %s, \"stock\": %d}"
                .formatted(sku, price, stock)));
  }

  /** Places an order once the order service knows the product (it learns it from an event). */
  private String place(String customer, String product, int quantity) throws Exception {
    String body =
        "{\"customerId\": \"%s\", \"lines\": [{\"productId\": \"%s\", \"quantity\": %d}]}"
            .formatted(customer, product, quantity);
    String[] id = new String[1];
    await()
        .atMost(PATIENCE)
        .until(
            () -> {
              var answer = system.post("order", "/orders", body);
              if (answer.statusCode() == 201) {
                id[0] = created(answer);
                return true;
              }
              return false;
            });
    return id[0];
  }

  private String awaitDecided(String order) {
    String[] status = new String[1];
    await()
        .atMost(PATIENCE)
        .until(
            () -> {
              status[0] = system.json("order", "/orders/" + order).get("status").asText();
              return !status[0].equals("PENDING");
            });
    return status[0];
  }

  private JsonNode orderOf(String order) {
    try {
      return system.json("order", "/orders/" + order);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path projectionsJar() throws IOException {
    try (Stream<Path> jars = Files.list(Path.of("target", "reference"))) {
      return jars.filter(p -> p.getFileName().toString().startsWith("tideway-projections-"))
          .findFirst()
          .orElseThrow();
    }
  }

  private double ignoredAfterEnd() {
    return ReferenceSystemUnderTest.sum(
        system.get(system.endpoints().query().url(), "/metrics").body(),
        "tideway_saga_ignored_total\\{[^}]*reason=\"after-end\"[^}]*} (\\S+)");
  }

  private JsonNode credit(String customer) throws Exception {
    return system.json("customer", "/customers/" + customer + "/credit");
  }

  private int stock(String product) throws Exception {
    return system.json("inventory", "/products/" + product).get("stock").asInt();
  }

  private JsonNode saga(String id) throws Exception {
    return system.json(system.endpoints().query().url(), "/v1/sagas/" + id);
  }

  private String cli(String... args) {
    CapturedCommandLine cli = new CapturedCommandLine();
    String[] withDataDir =
        Stream.concat(List.of(args).stream(), Stream.of("--data-dir", dataDir.toString()))
            .toArray(String[]::new);
    assertThat(cli.run(withDataDir)).as(cli.err()).isZero();
    return cli.out();
  }
}
