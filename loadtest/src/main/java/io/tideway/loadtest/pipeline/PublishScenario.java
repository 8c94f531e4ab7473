package io.tideway.loadtest.pipeline;

import io.tideway.loadtest.HttpGets;
import io.tideway.loadtest.LoadTestException;
import io.tideway.loadtest.RunContext;
import io.tideway.loadtest.Scenario;
import io.tideway.loadtest.Workload;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.io.CloseMode;

/**
 * Registrations carried to Kafka: {@code POST /customers} at a service (a customer row and its
 * event in one transaction), complete when the event is on Kafka. It measures the Spring Modulith
 * peer (the event publication registry, externalized after the commit) and, like for like, our
 * customer service with its outbox and the relay. The records end one stage earlier than the
 * pipeline's, which go on to a read model.
 */
final class PublishScenario implements Scenario {

  private final String name;
  private final String service;
  private final String topic;
  private final String idHeader;
  private final int concurrency;
  private final Recorder responseToKafka = new Recorder(TimeUnit.MINUTES.toMicros(10), 3);
  private final Timeline timeline = new Timeline();

  /**
   * @param name the scenario's name in progress lines
   * @param service the service's URL
   * @param topic where its events go
   * @param idHeader the record header carrying the event id that the service's {@code
   *     Tideway-Event-Id} response header names
   * @param concurrency commands in flight at most
   */
  PublishScenario(String name, String service, String topic, String idHeader, int concurrency) {
    this.name = name;
    this.service = service;
    this.topic = topic;
    this.idHeader = idHeader;
    this.concurrency = concurrency;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String unit() {
    return "events";
  }

  @Override
  public String target() {
    return "POST " + service + "/customers, complete on " + topic;
  }

  @Override
  public Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("service", service);
    settings.put("topic", topic);
    settings.put("concurrency", concurrency);
    return settings;
  }

  /** From each measured command's HTTP response to its event on Kafka, in microseconds. */
  Histogram responseToKafka() {
    return responseToKafka.getIntervalHistogram();
  }

  /** The run second by second: completions and their HTTP-response-to-Kafka latency. */
  Timeline timeline() {
    return timeline;
  }

  @Override
  public Workload start(RunContext context) {
    Commands commands = new Commands(context);
    timeline.start();
    return commands;
  }

  private final class Commands implements Workload {

    /** A command seen on one side only: answered (nanos), or its event on Kafka (nanos). */
    private record Half(
        long intendedNanos, long respondedNanos, boolean measured, long seenNanos) {}

    private final RunContext context;
    private final Map<String, Half> halves = new ConcurrentHashMap<>();
    private final Semaphore inFlight = new Semaphore(concurrency);
    private final CloseableHttpAsyncClient client = HttpGets.asyncClient(concurrency);
    private final URI customers = URI.create(service + "/customers");
    private final TopicWatch watch;
    private long measureFrom = Long.MAX_VALUE;

    Commands(RunContext context) {
      this.context = context;
      this.watch = new TopicWatch(context, topic, idHeader, (id, occurredAt, seenAt) -> seen(id));
    }

    @Override
    public void send(long sequence, long intendedNanos) throws InterruptedException {
      if (sequence == 0) {
        measureFrom = intendedNanos + context.settings().warmup().toNanos();
      }
      boolean measured = intendedNanos >= measureFrom;
      inFlight.acquire();
      client.execute(
          SimpleRequestBuilder.post(customers)
              .setBody(Registrations.body(context.runId(), sequence), ContentType.APPLICATION_JSON)
              .build(),
          new FutureCallback<SimpleHttpResponse>() {
            @Override
            public void completed(SimpleHttpResponse response) {
              inFlight.release();
              Header eventId = response.getFirstHeader(PipelineScenario.EVENT_ID_HEADER);
              if (response.getCode() != 201 || eventId == null) {
                context.fail(
                    new LoadTestException(
                        "POST "
                            + customers
                            + " answered "
                            + response.getCode()
                            + (eventId == null ? " without an event id" : "")
                            + ": "
                            + HttpGets.shown(response.getBodyBytes())));
                return;
              }
              answered(eventId.getValue(), intendedNanos, context.nanoTime(), measured);
            }

            @Override
            public void failed(Exception e) {
              inFlight.release();
              context.fail(
                  new LoadTestException(
                      "POST " + customers + " failed: " + HttpGets.rootMessage(e), e));
            }

            @Override
            public void cancelled() {
              inFlight.release();
            }
          });
    }

    private void answered(
        String eventId, long intendedNanos, long respondedNanos, boolean measured) {
      halves.compute(
          eventId,
          (id, half) -> {
            if (half == null) {
              return new Half(intendedNanos, respondedNanos, measured, -1);
            }
            complete(new Half(intendedNanos, respondedNanos, measured, half.seenNanos()));
            return null;
          });
    }

    private void seen(String eventId) {
      long now = context.nanoTime();
      halves.compute(
          eventId,
          (id, half) -> {
            if (half == null) {
              return new Half(-1, -1, false, now);
            }
            if (half.intendedNanos() < 0) {
              return half; // the same event again
            }
            complete(new Half(half.intendedNanos(), half.respondedNanos(), half.measured(), now));
            return null;
          });
    }

    private void complete(Half both) {
      long micros = Math.max(0, (both.seenNanos() - both.respondedNanos()) / 1_000);
      timeline.record(micros);
      if (both.measured()) {
        responseToKafka.recordValue(micros);
      }
      context.completed(both.intendedNanos(), Math.max(both.seenNanos(), both.respondedNanos()));
    }

    @Override
    public void close() throws InterruptedException {
      client.close(CloseMode.GRACEFUL);
      watch.close();
      timeline.close();
    }
  }
}
