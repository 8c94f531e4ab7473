package io.tideway.topology.runtime;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The query server's root handler: answers the key lookups that need no waiting on the thread that
 * read the request, and hands everything else — the servlet layer, lookups that wait for an event
 * or for another instance — to the server's pool.
 *
 * <p>Jetty hands a request a blocking handler may take to another thread, waking one per request;
 * at tens of thousands of lookups a second those wake-ups cost more CPU than the lookups. A lookup
 * of a local key is a read of a local store: it never waits, so this handler declares itself
 * non-blocking and Jetty runs it where the request was read.
 *
 * <p>What goes to the pool passes a {@link GracefulHandler}: {@link #drain} lets the requests under
 * way there (a lookup waiting for an event can take seconds) finish, and new ones get {@code 503}.
 */
final class InlineLookups extends Handler.Wrapper {

  private final KeyLookupHandler lookups;
  private final Executor pool;
  private final GracefulHandler graceful;

  /**
   * @param lookups answers key lookups
   * @param pool runs what may wait
   */
  InlineLookups(KeyLookupHandler lookups, Executor pool) {
    this(lookups, pool, new GracefulHandler(new Handler.Sequence(lookups)));
  }

  private InlineLookups(KeyLookupHandler lookups, Executor pool, GracefulHandler graceful) {
    super(graceful);
    this.lookups = lookups;
    this.pool = pool;
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
    if (lookups.answerAtOnce(request, response, callback)) {
      return true;
    }
    pool.execute(
        () -> {
          try {
            if (!super.handle(request, response, callback)) {
              Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
            }
          } catch (Throwable e) {
            Response.writeError(request, response, callback, e);
          }
        });
    return true;
  }
}
