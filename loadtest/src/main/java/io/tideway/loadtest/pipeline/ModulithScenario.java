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
 * The Spring Modulith peer under the same load: {@code POST /customers} at the peer (a customer row
 * and the event's publication in one transaction, externalized to Kafka after the commit), complete
 * when the event is on Kafka. The peer has no read model, so its records end one stage earlier than
 * the pipeline's.
 */
final class ModulithScenario implements Scenario {

  static final String NAME = "modulith";

  private final String peer;
  private final String topic;
  private final int concurrency;
  private final Recorder responseToKafka = new Recorder(TimeUnit.MINUTES.toMicros(10), 3);
  private final Timeline timeline = new Timeline();

  /**
   * @param peer the peer's URL
   * @param topic where it externalizes its events
   * @param concurrency commands in flight at most
   */
  ModulithScenario(String peer, String topic, int concurrency) {
    this.peer = peer;
    this.topic = topic;
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
    return "POST " + peer + "/customers, complete on " + topic;
  }

  @Override
  public Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("peer", peer);
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
    private final URI customers = URI.create(peer + "/customers");
    private final TopicWatch watch;
    private long measureFrom = Long.MAX_VALUE;

    Commands(RunContext context) {
      this.context = context;
      this.watch =
          new TopicWatch(
              context,
              topic,
              ModulithPeer.EVENT_ID_RECORD_HEADER,
              (id, occurredAt, seenAt) -> seen(id));
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
                        "The peer's POST /customers answered "
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
                      "The peer's POST /customers failed: " + HttpGets.rootMessage(e), e));
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
