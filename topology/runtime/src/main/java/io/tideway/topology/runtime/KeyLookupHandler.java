package io.tideway.topology.runtime;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code GET /v1/stores/{store}/keys/{key}} straight from Jetty, ahead of the servlet layer
 * that serves the rest of the API: a key lookup is the API's hot path, and under load the servlet
 * context, its session handling and the router's regexes cost a sixth of the server's time. Every
 * other request passes on.
 *
 * <p>{@link #answerAtOnce} answers the lookups that need no waiting, for the thread that read the
 * request; {@link #handle} answers every lookup: one that waits for an event holds no thread while
 * it waits, and is answered on the server's pool once the event is processed; one forwarded to
 * another instance blocks a thread of the pool until that instance answers, unless it waits for an
 * event there: then a thread of its own waits, {@value StoreQueries#MAX_FORWARDED_WAITS} at most.
 */
final class KeyLookupHandler extends Handler.Abstract {

  private static final Logger log = LoggerFactory.getLogger(KeyLookupHandler.class);
  private static final String PREFIX = "/v1/stores/";
  private static final String KEYS = "/keys/";

  /** The buckets of {@link TopologyRuntime#LOOKUP_METRIC}, for latency objectives. */
  private static final Duration[] OBJECTIVES = {
    Duration.ofMillis(1),
    Duration.ofMillis(5),
    Duration.ofMillis(15),
    Duration.ofMillis(50),
    Duration.ofMillis(250),
    Duration.ofSeconds(1)
  };

  private final Supplier<StoreQueries> queries;

  /** The gauge of {@link #pending}. */
  static final String PENDING_METRIC = TopologyRuntime.LOOKUP_METRIC + ".pending";

  private final MeterRegistry meters;
  private final AtomicInteger pending = new AtomicInteger();
  private final Executor pool;
  private final Map<Integer, Timer> byStatus = new ConcurrentHashMap<>();

  /**
   * @param queries supplies the store queries; null until the server knows its own address
   * @param meters where lookups are timed
   * @param pool the server's threads: they answer a lookup once the event it waits for is
   *     processed, and forward lookups to other instances
   */
  KeyLookupHandler(Supplier<StoreQueries> queries, MeterRegistry meters, Executor pool) {
    this.queries = queries;
    this.meters = meters;
    this.pool = pool;
    Gauge.builder(PENDING_METRIC, pending, AtomicInteger::get)
        .description("Key lookups received and not answered yet: waiting for an event or a peer")
        .register(meters);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    return respond(request, response, callback, pool);
  }

  /**
   * Answers a lookup that needs no waiting — neither for an event nor for another instance — and
   * says whether it did; anything else is left for {@link #handle}.
   */
  boolean answerAtOnce(Request request, Response response, Callback callback) {
    return respond(request, response, callback, null);
  }

  /**
   * @param later runs what comes after a wait, or null when the lookup must be answered at once
   */
  private boolean respond(Request request, Response response, Callback callback, Executor later) {
    int keys = keysAt(request);
    if (keys < 0) {
      return false;
    }
    String path = request.getHttpURI().getPath();
    CompletableFuture<StoreQueries.Answer> answer;
    try {
      answer = answer(request, path, keys, later);
      if (answer == null) {
        return false;
      }
    } catch (RuntimeHttp.BadRequest e) {
      answer = CompletableFuture.completedFuture(StoreQueries.Answer.error(400, e.getMessage()));
    } catch (Exception e) {
      answer = CompletableFuture.failedFuture(e);
    }
    if (!answer.isDone()) {
      pending.incrementAndGet();
      answer.whenComplete((ready, failure) -> pending.decrementAndGet());
    }
    // At once where the answer is ready; else on the thread that completes it, holding none before.
    answer.whenComplete(
        (ready, failure) -> {
          if (failure != null) {
            log.error("Failed to answer GET {}", path, failure);
          }
          write(
              request,
              response,
              callback,
              failure == null
                  ? ready
                  : StoreQueries.Answer.error(500, "Internal error: " + failure));
        });
    return true;
  }

  /** Whether the request is a key lookup, which this handler answers. */
  boolean isLookup(Request request) {
    return keysAt(request) >= 0;
  }

  /** Where {@value #KEYS} is in a key lookup's path; -1 for any other request. */
  private static int keysAt(Request request) {
    String path = request.getHttpURI().getPath();
    if (!HttpMethod.GET.is(request.getMethod()) || path == null || !path.startsWith(PREFIX)) {
      return -1;
    }
    int keys = path.indexOf(KEYS, PREFIX.length());
    return keys <= PREFIX.length()
            || keys + KEYS.length() == path.length()
            || path.indexOf('/', PREFIX.length()) != keys
            || path.indexOf('/', keys + KEYS.length()) >= 0
        ? -1
        : keys;
  }

  private void write(
      Request request, Response response, Callback callback, StoreQueries.Answer answer) {
    byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
    response.setStatus(answer.status());
    if (answer.retryAfter() > 0) {
      response.getHeaders().put(HttpHeader.RETRY_AFTER, answer.retryAfter());
    }
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
    byStatus
        .computeIfAbsent(answer.status(), this::timer)
        .record(System.nanoTime() - request.getBeginNanoTime(), TimeUnit.NANOSECONDS);
  }

  private Timer timer(int status) {
    return Timer.builder(TopologyRuntime.LOOKUP_METRIC)
        .description("Key lookups answered, from the request's arrival to the answer's hand-off")
        .tag("status", String.valueOf(status))
        .serviceLevelObjectives(OBJECTIVES)
        .register(meters);
  }

  private CompletableFuture<StoreQueries.Answer> answer(
      Request request, String path, int keys, Executor later) throws Exception {
    StoreQueries store = queries.get();
    if (store == null) {
      return CompletableFuture.completedFuture(
          new StoreQueries.Answer(503, "{\"error\":\"The runtime is starting\"}", 1));
    }
    Fields params;
    try {
      params = Request.extractQueryParameters(request);
    } catch (RuntimeException e) {
      // Jetty refuses a malformed percent-encoding only once the parameters are read.
      throw new RuntimeHttp.BadRequest("Malformed query string: " + e.getMessage());
    }
    String waitFor = params.getValue("waitFor");
    if (waitFor != null && waitFor.isBlank()) {
      throw new RuntimeHttp.BadRequest("waitFor must be an event id");
    }
    return store.lookup(
        segment(path.substring(PREFIX.length(), keys)),
        RuntimeHttp.lookup(segment(path.substring(keys + KEYS.length())), params::getValue),
        Boolean.parseBoolean(params.getValue("allowStale")),
        Boolean.parseBoolean(params.getValue(StoreQueries.FORWARDED)),
        waitFor,
        RuntimeHttp.timeout(params.getValue("timeout")),
        // A wait's time counts from the request's arrival, queueing for a thread included.
        request.getBeginNanoTime(),
        later);
  }

  /**
   * A path segment decoded; a {@code +} stays a plus, as in any path. Jetty has already refused a
   * malformed percent-encoding with {@code 400}.
   */
  private static String segment(String raw) {
    return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
