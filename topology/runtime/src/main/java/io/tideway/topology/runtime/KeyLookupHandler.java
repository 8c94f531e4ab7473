package io.tideway.topology.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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
 * request; {@link #handle} answers every lookup, on a thread that may wait.
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
  private final MeterRegistry meters;
  private final Map<Integer, Timer> byStatus = new ConcurrentHashMap<>();

  /**
   * @param queries supplies the store queries; null until the server knows its own address
   * @param meters where lookups are timed
   */
  KeyLookupHandler(Supplier<StoreQueries> queries, MeterRegistry meters) {
    this.queries = queries;
    this.meters = meters;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    return respond(request, response, callback, true);
  }

  /**
   * Answers a lookup that needs no waiting — neither for an event nor for another instance — and
   * says whether it did; anything else is left for {@link #handle}.
   */
  boolean answerAtOnce(Request request, Response response, Callback callback) {
    return respond(request, response, callback, false);
  }

  private boolean respond(Request request, Response response, Callback callback, boolean mayWait) {
    String path = request.getHttpURI().getPath();
    if (!HttpMethod.GET.is(request.getMethod()) || path == null || !path.startsWith(PREFIX)) {
      return false;
    }
    int keys = path.indexOf(KEYS, PREFIX.length());
    if (keys <= PREFIX.length()
        || keys + KEYS.length() == path.length()
        || path.indexOf('/', PREFIX.length()) != keys
        || path.indexOf('/', keys + KEYS.length()) >= 0) {
      return false;
    }
    StoreQueries.Answer answer;
    try {
      answer = answer(request, path, keys, mayWait);
      if (answer == null) {
        return false;
      }
    } catch (RuntimeHttp.BadRequest e) {
      answer = StoreQueries.Answer.error(400, e.getMessage());
    } catch (Exception e) {
      log.error("Failed to answer GET {}", path, e);
      answer = StoreQueries.Answer.error(500, "Internal error: " + e);
    }
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
    return true;
  }

  private Timer timer(int status) {
    return Timer.builder(TopologyRuntime.LOOKUP_METRIC)
        .description("Key lookups answered, from the request's arrival to the answer's hand-off")
        .tag("status", String.valueOf(status))
        .serviceLevelObjectives(OBJECTIVES)
        .register(meters);
  }

  private StoreQueries.Answer answer(Request request, String path, int keys, boolean mayWait)
      throws Exception {
    StoreQueries store = queries.get();
    if (store == null) {
      return new StoreQueries.Answer(503, "{\"error\":\"The runtime is starting\"}", 1);
    }
    Fields params = Request.extractQueryParameters(request);
    return store.get(
        segment(path.substring(PREFIX.length(), keys)),
        RuntimeHttp.lookup(segment(path.substring(keys + KEYS.length())), params::getValue),
        Boolean.parseBoolean(params.getValue("allowStale")),
        Boolean.parseBoolean(params.getValue(StoreQueries.FORWARDED)),
        params.getValue("waitFor"),
        RuntimeHttp.timeout(params.getValue("timeout")),
        mayWait);
  }

  /**
   * A path segment decoded; a {@code +} stays a plus, as in any path. Jetty has already refused a
   * malformed percent-encoding with {@code 400}.
   */
  private static String segment(String raw) {
    return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
