package io.tideway.topology.runtime;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The query server's root handler: answers the key lookups that need no waiting, and the health
 * checks, on the thread that read the request, and hands everything else — the servlet layer,
 * lookups that wait for an event or for another instance — to a pool. Health is answered whatever
 * the pools are doing: lookups forwarded to a slow instance may hold every thread of the server's
 * pool for seconds, and a liveness probe that queued behind them would have the runtime restarted
 * for being busy.
 *
 * <p>Jetty hands a request a blocking handler may take to another thread, waking one per request;
 * at tens of thousands of lookups a second those wake-ups cost more CPU than the lookups. A lookup
 * of a local key is a read of a local store: it never waits, so this handler declares itself
 * non-blocking and Jetty runs it where the request was read.
 *
 * <p>Clients' scans, saga lists and histories run on a pool of their own: each gathers a part from
 * every other instance, and those parts run on the server's pool, as does everything else. Sharing
 * one pool, two instances each busy with scans had every thread waiting for parts that, on the
 * other, found no thread to answer them, until the parts timed out. A key lookup forwarded to its
 * owner is answered there at once, on the thread that read it, so lookups forwarded both ways never
 * wait for a thread, and stay on the server's pool.
 *
 * <p>What goes to a pool passes a {@link GracefulHandler} first, queued or not: {@link #drain} lets
 * the requests under way (a lookup waiting for an event can take seconds) finish, and new ones get
 * {@code 503} with {@code Retry-After}, to be sent again, to another instance or to this one once
 * restarted.
 */
final class InlineLookups extends Handler.Wrapper {

  static final String LIVE = "/health/live";
  static final String READY = "/health/ready";

  private static final String STORES = "/v1/stores/";
  private static final String SCAN = "/keys";

  private static final ByteBuffer UP = json("{\"status\":\"UP\"}");
  private static final ByteBuffer DOWN = json("{\"status\":\"DOWN\"}");
  private static final ByteBuffer STOPPING = json("{\"error\":\"The runtime is stopping\"}");
  private static final ByteBuffer BUSY =
      json("{\"error\":\"The runtime has too many requests under way\"}");

  private final KeyLookupHandler lookups;
  private final BooleanSupplier ready;
  private final GracefulHandler graceful;

  /**
   * @param lookups answers key lookups
   * @param pool the server's: runs key lookups, the parts of scans other instances ask, and all
   *     else but what {@code clients} runs
   * @param clients runs clients' scans, saga and history queries; may refuse them when full
   * @param ready whether the runtime is ready; asked without blocking
   */
  InlineLookups(KeyLookupHandler lookups, Executor pool, Executor clients, BooleanSupplier ready) {
    this(
        lookups,
        ready,
        new GracefulHandler(new Dispatch(lookups, pool, clients, new Handler.Sequence(lookups))));
  }

  private InlineLookups(KeyLookupHandler lookups, BooleanSupplier ready, GracefulHandler graceful) {
    super(graceful);
    this.lookups = lookups;
    this.ready = ready;
    this.graceful = graceful;
  }

  /**
   * Refuses new requests that may wait ({@code 503}) and completes once those under way, queued for
   * a thread included, have been answered. The server's own stop does the same, but it also
   * shortens every connection's idle timeout to a second, which, expiring while an answer is being
   * written, would drop that answer: so the server stops only once this has completed.
   */
  CompletableFuture<Void> drain() {
    return graceful.shutdown();
  }

  /**
   * Answers {@code 503} to the requests still queued for a pool's thread, once it has stopped
   * taking them.
   *
   * @param queued what the pool's {@code shutdownNow} returned
   */
  static void refuse(List<Runnable> queued) {
    for (Runnable task : queued) {
      if (task instanceof Dispatched request) {
        unavailable(request.response, request.callback, STOPPING);
      }
    }
  }

  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    if (answerHealth(request, response, callback)
        || lookups.answerAtOnce(request, response, callback)) {
      return true;
    }
    if (graceful.isShutdown()) {
      unavailable(response, callback, STOPPING);
      return true;
    }
    return super.handle(request, response, callback);
  }

  private boolean answerHealth(Request request, Response response, Callback callback) {
    if (!HttpMethod.GET.is(request.getMethod())) {
      return false;
    }
    String path = request.getHttpURI().getPath();
    if (LIVE.equals(path)) {
      answer(response, callback, HttpStatus.OK_200, UP);
    } else if (READY.equals(path)) {
      // Draining, the runtime stops: new requests go elsewhere.
      boolean up = ready.getAsBoolean() && !graceful.isShutdown();
      answer(
          response,
          callback,
          up ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503,
          up ? UP : DOWN);
    } else {
      return false;
    }
    return true;
  }

  /**
   * Hands each request to the pool that is to run it, inside the {@link GracefulHandler}, so that a
   * request queued for a thread counts as under way.
   */
  private static final class Dispatch extends Handler.Wrapper {

    private final KeyLookupHandler lookups;
    private final Executor pool;
    private final Executor clients;

    Dispatch(KeyLookupHandler lookups, Executor pool, Executor clients, Handler next) {
      super(next);
      this.lookups = lookups;
      this.pool = pool;
      this.clients = clients;
    }

    @Override
    public InvocationType getInvocationType() {
      return InvocationType.NON_BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      Dispatched task = new Dispatched(getHandler(), request, response, callback);
      try {
        (lookups.isLookup(request) || !gathers(request) ? pool : clients).execute(task);
      } catch (RejectedExecutionException e) {
        unavailable(response, callback, BUSY);
      }
      return true;
    }
  }

  /** A request handed to a pool, to be handled by the handlers after {@link Dispatch}. */
  private record Dispatched(Handler next, Request request, Response response, Callback callback)
      implements Runnable {

    @Override
    public void run() {
      try {
        if (!next.handle(request, response, callback)) {
          Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
        }
      } catch (Throwable e) {
        Response.writeError(request, response, callback, e);
      }
    }
  }

  /**
   * Whether a client's request gathers from every instance: a scan (not a part of one another
   * instance asks), a saga or a history query.
   */
  private static boolean gathers(Request request) {
    String path = request.getHttpURI().getPath();
    if (!HttpMethod.GET.is(request.getMethod()) || path == null) {
      return false;
    }
    if (path.startsWith("/v1/sagas") || path.startsWith("/v1/aggregates/")) {
      return true;
    }
    boolean scan =
        path.startsWith(STORES)
            && path.endsWith(SCAN)
            && path.indexOf('/', STORES.length()) == path.length() - SCAN.length();
    return scan && !isScanPart(request);
  }

  /** Whether another instance asks for its part of a scan ({@code scope=local}). */
  private static boolean isScanPart(Request request) {
    if (request.getHttpURI().getQuery() == null) {
      return false;
    }
    Fields params;
    try {
      params = Request.extractQueryParameters(request);
    } catch (RuntimeException e) {
      return false; // malformed: refused where it is handled
    }
    return "local".equals(params.getValue(StoreQueries.SCOPE));
  }

  private static void unavailable(Response response, Callback callback, ByteBuffer body) {
    response.getHeaders().put(HttpHeader.RETRY_AFTER, 1);
    answer(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, body);
  }

  private static void answer(Response response, Callback callback, int status, ByteBuffer body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.remaining());
    response.write(true, body.slice(), callback);
  }

  private static ByteBuffer json(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();
  }
}
