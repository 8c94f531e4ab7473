package io.tideway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.deploy.PlatformEndpoints;
import io.tideway.deploy.platform.PlatformSetupException;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tideway demo}: a short scripted story against the running platform, so that a newcomer
 * sees the whole flow (commands, outbox, relay, the order service's listener, read models) in a
 * minute.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Drive a short story against the platform 'tideway up' runs: a customer and two products"
          + " are created, an order placed, the customer's address changed, and the order service"
          + " and the read models queried until they show the change. Prints each step with how"
          + " long it took; changes nothing but the demo's own data.",
    })
final class DemoCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @Spec private CommandSpec spec;
  @Mixin private DataDirOption dataDir;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private PrintWriter out;
  private PlatformEndpoints endpoints;

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    endpoints = dataDir.endpoints("pass --data-dir");
    if (endpoints.services().isEmpty() || endpoints.query() == null) {
      throw new PlatformSetupException(
          "The platform runs without the reference services: start it without --no-services");
    }
    String run = UUID.randomUUID().toString().substring(0, 8);

    long start = System.nanoTime();
    JsonNode ada =
        created(
            "customer",
            "/customers",
            """
            {"name": "Ada Lovelace", "email": "ada-%s@example.com", "creditLimit": 500.00,
             "address": {"street": "12 Marienstrasse", "city": "Berlin", "postalCode": "10117",
                         "country": "DE"}}
            """
                .formatted(run));
    String customer = ada.get("id").asText();
    step(start, "Customer registered: Ada Lovelace in Berlin, id " + customer);

    start = System.nanoTime();
    String kettle =
        created(
                "inventory",
                "/products",
                "{\"sku\": \"KETTLE-%s\", \"name\": \"Kettle\", \"price\": 19.99, \"stock\": 10}"
                    .formatted(run))
            .get("id")
            .asText();
    String toaster =
        created(
                "inventory",
                "/products",
                "{\"sku\": \"TOASTER-%s\", \"name\": \"Toaster\", \"price\": 34.50, \"stock\": 5}"
                    .formatted(run))
            .get("id")
            .asText();
    step(start, "Products added: Kettle at 19.99, Toaster at 34.50");

    start = System.nanoTime();
    String order = placeOrder(customer, kettle, toaster);
    JsonNode placed = json(get("order", "/orders/" + order));
    step(
        start,
        "Order placed: 2 kettles and a toaster, total "
            + placed.get("total").asText()
            + ", status "
            + placed.get("status").asText()
            + ", shipping to "
            + street(placed.get("shippingAddress"))
            + " (the order service knows products and addresses from their events only)");

    start = System.nanoTime();
    HttpResponse<String> moved = move(customer, "5 Jungfernstieg", "Hamburg", "20354");
    expect(moved, 200);
    step(start, "Ada moved to Hamburg: customer version " + json(moved).get("version").asText());

    start = System.nanoTime();
    await(
        () -> json(get("order", "/orders/" + order)),
        o -> street(o.get("shippingAddress")).startsWith("5 Jungfernstieg"),
        "the order's shipping address to change");
    step(
        start,
        "Order service updated the order's shipping address (outbox, relay, Kafka, listener)");

    start = System.nanoTime();
    JsonNode customerOrders =
        await(
            () -> stored("customer-orders", customer),
            v ->
                v != null
                    && street(v.get("address")).startsWith("5 Jungfernstieg")
                    && v.get("orders").findValuesAsText("orderId").contains(order),
            "the customer-orders read model to show the new address and the order");
    step(
        start,
        "Read model customer-orders shows "
            + street(customerOrders.get("address"))
            + " and "
            + customerOrders.get("orders").size()
            + " order(s) (query "
            + endpoints.query().url()
            + "/v1/stores/customer-orders/keys/"
            + customer
            + ")");

    start = System.nanoTime();
    JsonNode top =
        await(
            () -> stored("top-products", "last-5-minutes"),
            v -> v != null && v.get("top").size() > 0,
            "the top-products ranking");
    step(
        start,
        "Top products of the last five minutes: "
            + ranking(top, Map.of(kettle, "Kettle", toaster, "Toaster")));

    start = System.nanoTime();
    HttpResponse<String> stale = move(customer, "1 Old Rd", "Berlin", "10115");
    expect(stale, 412);
    step(
        start,
        "A change based on an old version is refused: " + json(stale).get("detail").asText());
    out.println("Done. Try: ./tideway query customer-orders " + customer);
    out.flush();
    return 0;
  }

  private String placeOrder(String customer, String kettle, String toaster) throws Exception {
    String body =
        """
        {"customerId": "%s", "lines": [{"productId": "%s", "quantity": 2},
                                       {"productId": "%s", "quantity": 1}]}
        """
            .formatted(customer, kettle, toaster);
    // The order service knows a product once its event arrived; until then it refuses with 422.
    HttpResponse<String> answer =
        await(
            () -> send(jsonPost("order", "/orders", body)),
            a -> a.statusCode() != 422,
            "the order service to learn the new products");
    expect(answer, 201);
    return json(answer).get("id").asText();
  }

  /** Changes the customer's address as of version 1, the version the demo registered. */
  private HttpResponse<String> move(
      String customer, String street, String city, String postalCode) {
    return send(
        request("customer", "/customers/" + customer + "/address")
            .header("Content-Type", "application/json")
            .header("If-Match", "\"1\"")
            .PUT(
                HttpRequest.BodyPublishers.ofString(
                    "{\"street\": \"%s\", \"city\": \"%s\", \"postalCode\": \"%s\", \"country\": \"DE\"}"
                        .formatted(street, city, postalCode)))
            .build());
  }

  private void step(long startNanos, String what) {
    out.printf("  ✓ %s (%d ms)%n", what, (System.nanoTime() - startNanos) / 1_000_000);
    out.flush();
  }

  private JsonNode created(String service, String path, String body) throws IOException {
    HttpResponse<String> answer = send(jsonPost(service, path, body));
    expect(answer, 201);
    return json(answer);
  }

  private JsonNode stored(String store, String key) throws IOException {
    HttpResponse<String> answer =
        send(
            HttpRequest.newBuilder(
                    URI.create(endpoints.query().url() + "/v1/stores/" + store + "/keys/" + key))
                .timeout(Duration.ofSeconds(10))
                .build());
    return answer.statusCode() == 200 ? json(answer).get("value") : null;
  }

  private HttpResponse<String> get(String service, String path) {
    return send(request(service, path).build());
  }

  private HttpRequest jsonPost(String service, String path, String body) {
    return request(service, path)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private HttpRequest.Builder request(String service, String path) {
    return HttpRequest.newBuilder(URI.create(endpoints.services().get(service) + path))
        .timeout(Duration.ofSeconds(10));
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(
          request.method() + " " + request.uri() + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Tries until the answer is as wanted, for up to 30 s. */
  private <T> T await(Attempt<T> attempt, Predicate<T> wanted, String what) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    T last = attempt.get();
    while (!wanted.test(last)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "Gave up waiting for " + what + " after " + PATIENCE.toSeconds() + " s: " + last);
      }
      Thread.sleep(100);
      last = attempt.get();
    }
    return last;
  }

  /** One try of {@link #await}. */
  @FunctionalInterface
  private interface Attempt<T> {
    T get() throws Exception;
  }

  private static void expect(HttpResponse<String> answer, int status) {
    if (answer.statusCode() != status) {
      throw new IllegalStateException(
          answer.request().method()
              + " "
              + answer.request().uri()
              + " answered "
              + answer.statusCode()
              + ", not "
              + status
              + ": "
              + answer.body());
    }
  }

  private static JsonNode json(HttpResponse<String> answer) throws IOException {
    return JSON.readTree(answer.body());
  }

  private static String street(JsonNode address) {
    return address == null || address.isNull()
        ? "(unknown yet)"
        : address.get("street").asText() + ", " + address.get("city").asText();
  }

  /** The ranking, this run's products by name and others (earlier runs') by a short id. */
  private static String ranking(JsonNode top, Map<String, String> names) {
    StringBuilder text = new StringBuilder();
    for (JsonNode product : top.get("top")) {
      if (!text.isEmpty()) {
        text.append("; ");
      }
      String id = product.get("productId").asText();
      text.append(names.getOrDefault(id, id.substring(0, 8) + "…"))
          .append(' ')
          .append(
              new BigDecimal(product.get("revenue").asText()).setScale(2, RoundingMode.HALF_UP));
    }
    return text.toString();
  }
}
