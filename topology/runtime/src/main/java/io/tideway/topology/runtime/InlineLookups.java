package io.tideway.topology.runtime;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
 * lookups that wait for an event or for another instance — to the server's pool. Health is answered
 * whatever the pool is doing: lookups forwarded to a slow instance may hold every thread of it for
 * seconds, and a liveness probe that queued behind them would have the runtime restarted for being
 * busy.
 *
 * <p>Jetty hands a request a blocking handler may take to another thread, waking one per request;
 * at tens of thousands of lookups a second those wake-ups cost more CPU than the lookups. A lookup
 * of a local key is a read of a local store: it never waits, so this handler declares itself
 * non-blocking and Jetty runs it where the request was read.
 *
 * <p>The other requests of clients, for the servlet layer, run on a pool of their own: a scan there
 * waits for a part from every other instance, and the parts, like key lookups, run on the server's
 * pool. Sharing one pool, two instances each busy with scans had every thread waiting for parts
 * that, on the other, found no thread to answer them, until the parts timed out. A key lookup
 * forwarded to its owner is answered there at once, on the thread that read it, so lookups can stay
 * on the server's pool, whose hand-offs cost less.
 *
 * <p>What goes to a pool passes a {@link GracefulHandler}: {@link #drain} lets the requests under
 * way there (a lookup waiting for an event can take seconds) finish, and new ones get {@code 503}
 * with {@code Retry-After}, to be sent again, to another instance or to this one once restarted.
 */
final class InlineLookups extends Handler.Wrapper {

  static final String LIVE = "/health/live";
  static final String READY = "/health/ready";

  private static final ByteBuffer UP = json("{\"status\":\"UP\"}");
  private static final ByteBuffer DOWN = json("{\"status\":\"DOWN\"}");
  private static final ByteBuffer STOPPING = json("{\"error\":\"The runtime is stopping\"}");
  private static final ByteBuffer BUSY =
      json("{\"error\":\"The runtime has too many requests under way\"}");

  private final KeyLookupHandler lookups;
  private final Executor pool;
  private final Executor clients;
  private final BooleanSupplier ready;
  private final GracefulHandler graceful;

  /**
   * @param lookups answers key lookups
   * @param pool runs key lookups, and the parts of scans other instances ask
   * @param clients runs the other requests of clients; may refuse them when full
   * @param ready whether the runtime is ready; asked without blocking
   */
  InlineLookups(KeyLookupHandler lookups, Executor pool, Executor clients, BooleanSupplier ready) {
    this(lookups, pool, clients, ready, new GracefulHandler(new Handler.Sequence(lookups)));
  }

  private InlineLookups(
      KeyLookupHandler lookups,
      Executor pool,
      Executor clients,
      BooleanSupplier ready,
      GracefulHandler graceful) {
    super(graceful);
    this.lookups = lookups;
    this.pool = pool;
    this.clients = clients;
    this.ready = ready;
    this.graceful = graceful;
  }

  /**
   * Refuses new requests that may wait ({@code 503}) and completes once those under way have been
   * answered. The server's own stop does the same, but it also shortens every connection's idle
   * timeout to a second, which, expiring while an answer is being written, would drop that answer:
   * so the server stops only once this has completed.
   */
  CompletableFuture<Void> drain() {
    return graceful.shutdown();
  }

  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    if (answerHealth(request, response, callback)
        || lookups.answerAtOnce(request, response, callback)) {
      return true;
    }
    if (graceful.isShutdown()) {
      response.getHeaders().put(HttpHeader.RETRY_AFTER, 1);
      answer(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, STOPPING);
      return true;
    }
    Runnable handling =
        () -> {
          try {
            if (!super.handle(request, response, callback)) {
              Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
            }
          } catch (Throwable e) {
            Response.writeError(request, response, callback, e);
          }
        };
    if (lookups.isLookup(request) || isScanPart(request)) {
      pool.execute(handling);
    } else {
      try {
        clients.execute(handling);
      } catch (RejectedExecutionException e) {
        response.getHeaders().put(HttpHeader.RETRY_AFTER, 1);
        answer(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, BUSY);
      }
    }
    return true;
  }

  /** Whether another instance asks this for its part of a scan ({@code scope=local}). */
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
