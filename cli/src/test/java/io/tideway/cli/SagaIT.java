package io.tideway.cli;

import static io.tideway.cli.ReferenceSystemUnderTest.created;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The place-order saga end to end on the platform {@code tideway up} runs: the order service's API,
 * the outboxes, the relay, the saga on the runtime, and the customer and inventory services
 * answering its commands, every part real. Each test uses customers and products of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
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
      await()
          .atMost(PATIENCE)
          .until(() -> saga(order).get("history").findValuesAsText("event").contains("TIMED_OUT"));
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
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Tideway.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    String[] withDataDir =
        Stream.concat(List.of(args).stream(), Stream.of("--data-dir", dataDir.toString()))
            .toArray(String[]::new);
    int code = cli.execute(withDataDir);
    assertThat(code).as(err.toString()).isZero();
    return out.toString();
  }
}
