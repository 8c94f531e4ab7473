package io.tideway.loadtest.saga;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.loadtest.LoadTestException;
import io.tideway.loadtest.RunContext;
import io.tideway.loadtest.Scenario;
import io.tideway.loadtest.Workload;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The place-order saga under load: orders placed at a fixed rate through {@code POST /orders}, each
 * complete when the order service publishes its decision ({@code OrderApproved} on {@code
 * order.events}): credit reserved at the customer service, stock at the inventory service, the
 * order approved, about six outbox transactions across three services. Latency runs from the
 * order's intended send time to the decision seen on Kafka.
 *
 * <p>Before the run, {@code customers} customers and {@code products} products are created with
 * credit and stock no run exhausts, and one order per product is placed (the order service learns
 * products from their events), so every measured saga should be approved: a rejection means a step
 * timed out, and fails the run.
 */
public final class SagaScenario implements Scenario {

  /** The name on the command line and in reports. */
  public static final String NAME = "saga";

  public static final int DEFAULT_CUSTOMERS = 100;
  public static final int DEFAULT_PRODUCTS = 20;
  public static final int DEFAULT_CONCURRENCY = 64;

  static final String DECISIONS_TOPIC = "order.events";
  private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, String> services;
  private final int customers;
  private final int products;
  private final int concurrency;

  /**
   * @param services the reference services' URLs by name ({@code customer}, {@code order}, {@code
   *     inventory})
   * @throws IllegalArgumentException when a count is not positive or a service is missing
   */
  public SagaScenario(Map<String, String> services, int customers, int products, int concurrency) {
    for (String service : List.of("customer", "order", "inventory")) {
      if (services.get(service) == null) {
        throw new IllegalArgumentException(
            "no " + service + " service: run the platform with its reference services");
      }
    }
    if (customers < 1 || products < 1 || concurrency < 1) {
      throw new IllegalArgumentException(
          "--customers, --products and --concurrency must be at least 1");
    }
    this.services = Map.copyOf(services);
    this.customers = customers;
    this.products = products;
    this.concurrency = concurrency;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String target() {
    return "the place-order saga through " + services.get("order");
  }

  @Override
  public String unit() {
    return "sagas";
  }

  @Override
  public Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("orderService", services.get("order"));
    settings.put("customers", customers);
    settings.put("products", products);
    settings.put("concurrency", concurrency);
    return settings;
  }

  @Override
  public Workload start(RunContext context) throws Exception {
    HttpClient setup = HttpClient.newHttpClient();
    List<String> customerIds = new ArrayList<>();
    for (int i = 0; i < customers; i++) {
      customerIds.add(
          created(
              setup,
              services.get("customer") + "/customers",
              """
              {"name": "Load %d", "email": "load%d@example.com", "creditLimit": 1000000000.00,
               "address": {"street": "1 Load St", "city": "Berlin", "postalCode": "10115",
                           "country": "DE"}}
              """
                  .formatted(i, i)));
    }
    List<String> productIds = new ArrayList<>();
    for (int i = 0; i < products; i++) {
      productIds.add(
          created(
              setup,
              services.get("inventory") + "/products",
              "{\"sku\": \"LOAD-%s-%d\", \"name\": \"Load %d\", \"price\": 1.00, \"stock\": %d}"
                  .formatted(context.runId(), i, i, 1_000_000_000)));
    }
    for (String product : productIds) {
      awaitOrderable(setup, customerIds.get(0), product);
    }
    Decisions decisions = new Decisions(context);
    decisions.start();
    return new Orders(context, decisions, customerIds, productIds);
  }

  /** Places an order until the order service knows the product, which it learns from an event. */
  private void awaitOrderable(HttpClient http, String customer, String product)
      throws IOException, InterruptedException, LoadTestException {
    long deadline = System.nanoTime() + SETUP_TIMEOUT.toNanos();
    while (true) {
      HttpResponse<String> answer =
          post(http, services.get("order") + "/orders", order(customer, product));
      if (answer.statusCode() == 201) {
        return;
      }
      if (answer.statusCode() != 422 || System.nanoTime() > deadline) {
        throw new LoadTestException(
            "The order service did not take an order of product " + product + ": " + answer.body());
      }
      Thread.sleep(200);
    }
  }

  static String order(String customer, String product) {
    return "{\"customerId\": \""
        + customer
        + "\", \"lines\": [{\"productId\": \""
        + product
        + "\", \"quantity\": 1}]}";
  }

  private static String created(HttpClient http, String url, String body)
      throws IOException, InterruptedException, LoadTestException {
    HttpResponse<String> answer = post(http, url, body);
    if (answer.statusCode() != 201) {
      throw new LoadTestException(
          "POST " + url + " answered " + answer.statusCode() + ": " + answer.body());
    }
    return JSON.readTree(answer.body()).get("id").asText();
  }

  private static HttpResponse<String> post(HttpClient http, String url, String body)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * The orders' decisions as the order service publishes them, matched to the orders placed; a
   * decision can come before the placement's answer has been read, so whichever half comes second
   * completes the order.
   */
  private static final class Decisions implements Runnable {

    /**
     * An order seen on one side only: placed (intended send time) or decided (when seen, and
     * whether it was rejected).
     */
    private record Half(long intendedNanos, long decidedNanos, boolean rejected) {}

    private final RunContext context;
    private final Map<String, Half> halves = new ConcurrentHashMap<>();
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread = new Thread(this, "saga-decisions");
    private volatile boolean running = true;

    Decisions(RunContext context) {
      this.context = context;
      this.consumer =
          new KafkaConsumer<>(
              Map.of(
                  ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  context.bootstrapServers(),
                  ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                  "read_committed"),
              new StringDeserializer(),
              new ByteArrayDeserializer());
      List<TopicPartition> partitions =
          consumer.partitionsFor(DECISIONS_TOPIC).stream()
              .map(p -> new TopicPartition(DECISIONS_TOPIC, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position);
    }

    void start() {
      thread.setDaemon(true);
      thread.start();
    }

    /** An order's placement was answered. */
    void placed(String orderId, long intendedNanos) {
      halves.compute(
          orderId,
          (id, half) -> {
            if (half == null) {
              return new Half(intendedNanos, -1, false);
            }
            complete(orderId, intendedNanos, half.decidedNanos(), half.rejected());
            return null;
          });
    }

    /**
     * An order's decision was seen. It may be of an order placed before this run (an earlier run's
     * order still compensating), which must neither count nor fail this run; such decisions stay
     * unmatched.
     */
    private void decided(String orderId, long now, boolean rejected) {
      halves.compute(
          orderId,
          (id, half) -> {
            if (half == null) {
              return new Half(-1, now, rejected);
            }
            if (half.intendedNanos() >= 0) {
              complete(orderId, half.intendedNanos(), now, rejected);
              return null;
            }
            return half; // a repeated decision
          });
    }

    private void complete(String orderId, long intendedNanos, long decidedNanos, boolean rejected) {
      if (rejected) {
        context.fail(
            new LoadTestException(
                "Order " + orderId + " was rejected: a saga step timed out under load"));
      }
      context.completed(intendedNanos, decidedNanos);
    }

    @Override
    public void run() {
      try {
        while (running) {
          for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
            String type = header(record, "eventType");
            if (type == null
                || !(type.endsWith(".OrderApproved") || type.endsWith(".OrderRejected"))) {
              continue;
            }
            decided(record.key(), context.nanoTime(), type.endsWith(".OrderRejected"));
          }
        }
      } catch (RuntimeException e) {
        if (running) {
          context.fail(e);
        }
      } finally {
        consumer.close();
      }
    }

    void close() throws InterruptedException {
      running = false;
      thread.join(5_000);
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
      Header header = record.headers().lastHeader(name);
      return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
  }

  /** Places orders: at most {@code concurrency} placements in flight. */
  private final class Orders implements Workload {

    private final RunContext context;
    private final Decisions decisions;
    private final List<String> customerIds;
    private final List<String> productIds;
    private final Semaphore inFlight = new Semaphore(concurrency);
    private final CloseableHttpAsyncClient client;
    private final URI orders;

    Orders(
        RunContext context,
        Decisions decisions,
        List<String> customerIds,
        List<String> productIds) {
      this.context = context;
      this.decisions = decisions;
      this.customerIds = customerIds;
      this.productIds = productIds;
      this.orders = URI.create(services.get("order") + "/orders");
      this.client =
          HttpAsyncClients.custom()
              .setIOReactorConfig(
                  IOReactorConfig.custom().setIoThreadCount(1).setTcpNoDelay(true).build())
              .setConnectionManager(
                  PoolingAsyncClientConnectionManagerBuilder.create()
                      .setMaxConnTotal(concurrency)
                      .setMaxConnPerRoute(concurrency)
                      .build())
              .disableAutomaticRetries()
              .build();
      client.start();
    }

    @Override
    public void send(long sequence, long intendedNanos) {
      try {
        inFlight.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      String body =
          order(
              customerIds.get((int) (sequence % customerIds.size())),
              productIds.get((int) (sequence % productIds.size())));
      SimpleHttpRequest request =
          SimpleRequestBuilder.post(orders).setBody(body, ContentType.APPLICATION_JSON).build();
      client.execute(
          request,
          new FutureCallback<SimpleHttpResponse>() {
            @Override
            public void completed(SimpleHttpResponse response) {
              inFlight.release();
              if (response.getCode() != 201) {
                context.fail(
                    new LoadTestException(
                        "POST /orders answered "
                            + response.getCode()
                            + ": "
                            + response.getBodyText()));
                return;
              }
              try {
                JsonNode order = JSON.readTree(response.getBodyBytes());
                decisions.placed(order.get("id").asText(), intendedNanos);
              } catch (IOException e) {
                context.fail(e);
              }
            }

            @Override
            public void failed(Exception e) {
              inFlight.release();
              context.fail(new LoadTestException("POST /orders failed: " + e, e));
            }

            @Override
            public void cancelled() {
              inFlight.release();
            }
          });
    }

    @Override
    public void close() throws Exception {
      client.close(CloseMode.GRACEFUL);
      decisions.close();
    }
  }
}
