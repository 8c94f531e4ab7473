package io.tideway.loadtest.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.loadtest.HttpGets;
import io.tideway.loadtest.LoadTestException;
import io.tideway.loadtest.RunContext;
import io.tideway.loadtest.Scenario;
import io.tideway.loadtest.Workload;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.io.CloseMode;

/**
 * The whole pipeline for one command: {@code POST /customers} at the customer service (a customer
 * row and its {@code CustomerCreated} in one transaction, through the outbox), then at once the
 * read-your-writes query {@code GET /v1/stores/customer-orders/keys/<customer>?waitFor=<event id>},
 * which the runtime answers once the projection has processed the event. A record completes when
 * that query answers {@code 200}.
 *
 * <p>Besides the harness's latency (from each command's intended send time), it measures what the
 * issue's targets speak of: from the command's HTTP response to the query's answer ({@link
 * #responseToQueryable()}), per second ({@link #timeline()}), and where that time went ({@link
 * #stages()}).
 */
final class PipelineScenario implements Scenario {

  static final String NAME = "pipeline";
  static final String STORE = "customer-orders";
  static final String EVENTS_TOPIC = "customer.events";
  static final String EVENT_ID_HEADER = "Tideway-Event-Id";

  /** How long the runtime may hold a query waiting for its event. */
  private static final String WAIT = "10s";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String customerService;
  private final String runtime;
  private final int concurrency;
  private final Recorder responseToQueryable = new Recorder(TimeUnit.MINUTES.toMicros(10), 3);
  private final Stages stages = new Stages();
  private final Timeline timeline = new Timeline();

  /**
   * @param customerService the customer service's URL
   * @param runtime the topology runtime's URL, where the reference projections run
   * @param concurrency commands in flight at most, each with its query
   */
  PipelineScenario(String customerService, String runtime, int concurrency) {
    this.customerService = customerService;
    this.runtime = runtime;
    this.concurrency = concurrency;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String unit() {
    return "events";
  }

  @Override
  public String target() {
    return "POST " + customerService + "/customers, then a read-your-writes query at " + runtime;
  }

  @Override
  public Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("customerService", customerService);
    settings.put("runtime", runtime);
    settings.put("store", STORE);
    settings.put("concurrency", concurrency);
    return settings;
  }

  /** From each measured command's HTTP response to its query's answer, in microseconds. */
  Histogram responseToQueryable() {
    return responseToQueryable.getIntervalHistogram();
  }

  /** Each stage of the measured events, in microseconds. */
  Map<String, Histogram> stages() {
    return stages.histograms();
  }

  /** The run second by second: completions and their HTTP-response-to-answer latency. */
  Timeline timeline() {
    return timeline;
  }

  @Override
  public Workload start(RunContext context) {
    TopicWatch watch = new TopicWatch(context, EVENTS_TOPIC, "id", stages::seen);
    timeline.start();
    return new Commands(context, watch);
  }

  private final class Commands implements Workload {

    private final RunContext context;
    private final TopicWatch watch;
    private final Semaphore inFlight = new Semaphore(concurrency);
    private final CloseableHttpAsyncClient client = HttpGets.asyncClient(2 * concurrency);
    private final URI customers = URI.create(customerService + "/customers");
    private long measureFrom = Long.MAX_VALUE;

    Commands(RunContext context, TopicWatch watch) {
      this.context = context;
      this.watch = watch;
    }

    @Override
    public void send(long sequence, long intendedNanos) throws InterruptedException {
      if (sequence == 0) {
        measureFrom = intendedNanos + context.settings().warmup().toNanos();
      }
      boolean measured = intendedNanos >= measureFrom;
      inFlight.acquire();
      SimpleHttpRequest command =
          SimpleRequestBuilder.post(customers)
              .setBody(Registrations.body(context.runId(), sequence), ContentType.APPLICATION_JSON)
              .build();
      client.execute(
          command,
          new Step("POST /customers") {
            @Override
            void answered(SimpleHttpResponse response) throws Exception {
              if (response.getCode() != 201) {
                throw unexpected(response, 201);
              }
              Header eventId = response.getFirstHeader(EVENT_ID_HEADER);
              if (eventId == null) {
                throw new LoadTestException(
                    "POST /customers answered without a " + EVENT_ID_HEADER + " header");
              }
              String customer = JSON.readTree(response.getBodyBytes()).get("id").asText();
              query(customer, eventId.getValue(), intendedNanos, context.nanoTime(), measured);
            }
          });
    }

    private void query(
        String customer,
        String eventId,
        long intendedNanos,
        long respondedNanos,
        boolean measured) {
      URI uri =
          URI.create(
              runtime
                  + "/v1/stores/"
                  + STORE
                  + "/keys/"
                  + customer
                  + "?waitFor="
                  + eventId
                  + "&timeout="
                  + WAIT);
      client.execute(
          SimpleRequestBuilder.get(uri).build(),
          new Step("GET /v1/stores/" + STORE + "/keys/…?waitFor") {
            @Override
            void answered(SimpleHttpResponse response) throws Exception {
              if (response.getCode() != 200) {
                throw unexpected(response, 200);
              }
              long now = context.nanoTime();
              long answeredAt = System.currentTimeMillis();
              JsonNode body = JSON.readTree(response.getBodyBytes());
              long processedAt = Instant.parse(body.get("processedAt").asText()).toEpochMilli();
              long micros = Math.max(0, (now - respondedNanos) / 1_000);
              inFlight.release();
              timeline.record(micros);
              if (measured) {
                responseToQueryable.recordValue(micros);
                stages.answered(eventId, processedAt, answeredAt);
              }
              context.completed(intendedNanos, now);
            }
          });
    }

    /** One request of a command's chain: any failure fails the run and frees its slot. */
    private abstract class Step implements FutureCallback<SimpleHttpResponse> {

      private final String described;

      Step(String described) {
        this.described = described;
      }

      abstract void answered(SimpleHttpResponse response) throws Exception;

      LoadTestException unexpected(SimpleHttpResponse response, int expected) {
        return new LoadTestException(
            described
                + " answered "
                + response.getCode()
                + " instead of "
                + expected
                + ": "
                + HttpGets.shown(response.getBodyBytes()));
      }

      @Override
      public void completed(SimpleHttpResponse response) {
        try {
          answered(response);
        } catch (Exception e) {
          inFlight.release();
          context.fail(e);
        }
      }

      @Override
      public void failed(Exception e) {
        inFlight.release();
        context.fail(new LoadTestException(described + " failed: " + HttpGets.rootMessage(e), e));
      }

      @Override
      public void cancelled() {
        inFlight.release();
      }
    }

    @Override
    public void close() throws InterruptedException {
      client.close(CloseMode.GRACEFUL);
      watch.close();
      timeline.close();
    }
  }
}
