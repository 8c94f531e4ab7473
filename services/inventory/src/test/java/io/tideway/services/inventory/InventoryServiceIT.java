package io.tideway.services.inventory;

import static io.tideway.services.starter.ProblemAssertions.assertInvalidField;
import static io.tideway.services.starter.ProblemAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.services.starter.ServiceUnderTest;
import io.tideway.testkit.CommittedOutboxEvents;
import io.tideway.testkit.JsonFuzz;
import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TestService;
import io.tideway.testkit.TidewayTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The inventory service as the platform runs it (its executable jar, its own process) on a real
 * PostgreSQL, broker and registry: its commands, queries, and every kind of bad input.
 */
@TidewayTest
class InventoryServiceIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ServiceUnderTest running;
  private static TestService service;
  private static CommittedOutboxEvents events;

  @BeforeAll
  static void start(TestKafka kafka, TestDatabase db) throws Exception {
    running = ServiceUnderTest.start("inventory", kafka, db, Map.of());
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
  void shouldAddAProductAndSetItsStockPublishingEachChange() throws Exception {
    long before = events.count();

    HttpResponse<String> added = service.post("/products", product(sku(), "19.99", 10));
    String id = JSON.readTree(added.body()).get("id").asText();
    HttpResponse<String> adjusted = service.put("/products/" + id + "/stock", "{\"stock\": 7}");
    HttpResponse<String> again = service.put("/products/" + id + "/stock", "{\"stock\": 7}");
    JsonNode read = JSON.readTree(service.get("/products/" + id).body());

    assertThat(added.statusCode()).isEqualTo(201);
    assertThat(added.headers().firstValue("Location")).hasValue("/products/" + id);
    assertThat(adjusted.statusCode()).isEqualTo(200);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(read.get("stock").asInt()).isEqualTo(7);
    assertThat(read.get("price").decimalValue()).isEqualByComparingTo("19.99");
    // ProductAdded and one StockAdjusted: the same level again is no change.
    assertThat(events.count() - before).isEqualTo(2);
  }

  @Test
  void shouldSetTheStockOnlyAtTheVersionIfMatchNames() throws Exception {
    HttpResponse<String> added = service.post("/products", product(sku(), "5.00", 10));
    String id = JSON.readTree(added.body()).get("id").asText();
    long before = events.count();

    HttpResponse<String> counted =
        service.put("/products/" + id + "/stock", "{\"stock\": 12}", "If-Match", "\"1\"");
    // Counted before the change above (a reservation changes the version too): refused.
    HttpResponse<String> stale =
        service.put("/products/" + id + "/stock", "{\"stock\": 15}", "If-Match", "\"1\"");

    assertThat(counted.statusCode()).isEqualTo(200);
    assertThat(counted.headers().firstValue("ETag")).hasValue("\"2\"");
    assertProblem(stale, 412, "is at version 2");
    assertThat(JSON.readTree(service.get("/products/" + id).body()).get("stock").asInt())
        .isEqualTo(12);
    assertThat(events.count() - before).isEqualTo(1);
  }

  @Test
  void shouldRefuseATakenSkuWithAConflict() {
    String sku = sku();
    assertThat(service.post("/products", product(sku, "1.00", 1)).statusCode()).isEqualTo(201);

    HttpResponse<String> taken = service.post("/products", product(sku, "2.00", 2));

    assertProblem(taken, 409, sku);
  }

  @Test
  void shouldRefuseBadInputNamingWhatIsWrongAndPublishNothing() throws Exception {
    long before = events.count();
    String unknown = UUID.randomUUID().toString();

    assertProblem(service.post("/products", "[1,"), 400, "not valid JSON");
    assertInvalidField(service.post("/products", product(sku(), "-0.01", 1)), "price");
    assertInvalidField(service.post("/products", product(sku(), "1.001", 1)), "price");
    assertInvalidField(service.post("/products", product(sku(), "1.00", -1)), "stock");
    // Stock near the int's limit could not take reserved units back.
    assertInvalidField(service.post("/products", product(sku(), "1.00", 1_000_000_001)), "stock");
    assertInvalidField(
        service.put("/products/" + unknown + "/stock", "{\"stock\": 2147483645}"), "stock");
    assertInvalidField(service.post("/products", product("S".repeat(65), "1.00", 1)), "sku");
    assertProblem(
        service.post("/products", product(sku(), "1.00", 1).replace("1}", "1e10}")), 400, null);
    assertProblem(service.put("/products/" + unknown + "/stock", "{\"stock\": 1}"), 404, unknown);
    assertProblem(service.get("/products/" + unknown), 404, unknown);
    assertProblem(service.get("/products/42"), 400, null);
    HttpResponse<String> xml =
        service.send(
            service
                .request("/products", "Content-Type", "application/xml")
                .POST(HttpRequest.BodyPublishers.ofString("<product/>"))
                .build());
    assertProblem(xml, 415, null);
    assertThat(events.count() - before).isZero();
  }

  @Test
  void shouldAnswerRandomBodiesWithoutAServerErrorAndPublishOnlyForAcceptedOnes() throws Exception {
    HttpResponse<String> added = service.post("/products", product(sku(), "5.00", 5));
    String id = JSON.readTree(added.body()).get("id").asText();
    JsonFuzz fuzz = new JsonFuzz();
    Map<String, String> product = new LinkedHashMap<>();
    product.put("sku", "\"FUZZ\"");
    product.put("name", "\"Kettle\"");
    product.put("price", "19.99");
    product.put("stock", "10");
    long before = events.count();
    long accepted = 0;

    for (int i = 0; i < 200; i++) {
      String body = fuzz.next(product);
      HttpResponse<String> answer = service.post("/products", body);
      assertThat(answer.statusCode())
          .as("POST /products %s (seed %d)", body, fuzz.seed())
          .isIn(201, 400, 409, 415);
      accepted += answer.statusCode() == 201 ? 1 : 0;
    }
    for (int i = 0; i < 200; i++) {
      String body = fuzz.next(Map.of("stock", "3"));
      HttpResponse<String> answer = service.put("/products/" + id + "/stock", body);
      assertThat(answer.statusCode())
          .as("PUT stock %s (seed %d)", body, fuzz.seed())
          .isIn(200, 400, 415);
    }

    for (int i = 0; i < 50; i++) {
      String path = "/products/" + fuzz.next(Map.of()).replaceAll("[^A-Za-z0-9-]", "");
      assertThat(service.get(path).statusCode()).as("GET %s", path).isIn(200, 400, 404, 405);
    }

    long adjustments =
        JSON.readTree(service.get("/products/" + id).body()).get("version").asLong() - 1;
    assertThat(events.count() - before).isEqualTo(accepted + adjustments);
  }

  @Test
  void shouldDescribeItsApiAndExposeMetrics() {
    assertThat(service.get("/v3/api-docs").body())
        .contains("Inventory service", "/products", "/products/{id}/stock");
    assertThat(service.get("/actuator/prometheus").body()).contains("http_server_requests");
  }

  private static String sku() {
    return "SKU-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static String product(String sku, String price, int stock) {
    return """
        {"sku": "%s", "name": "Kettle", "price": %s, "stock": %d}
        """
        .formatted(sku, price, stock);
  }
}
