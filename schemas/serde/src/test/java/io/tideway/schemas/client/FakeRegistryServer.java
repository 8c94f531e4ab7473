package io.tideway.schemas.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A scripted HTTP server standing in for a schema registry: it records requests and replays
 * replies.
 */
final class FakeRegistryServer implements AutoCloseable {

  /** A request as received. */
  record Request(
      String method,
      String rawPath,
      String rawQuery,
      String contentType,
      String accept,
      String authorization,
      String body) {}

  /** A reply to send, after a delay. */
  record Reply(int status, String body, long delayMillis) {}

  /** The status of a reply that is no answer: the connection closes instead. */
  private static final int DROP = -1;

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedDeque<Reply> script = new ConcurrentLinkedDeque<>();
  private volatile Reply otherwise =
      new Reply(404, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}", 0);

  FakeRegistryServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** Queues a reply for the next request. */
  FakeRegistryServer then(int status, String body) {
    script.add(new Reply(status, body, 0));
    return this;
  }

  /** Queues, for the next request, a connection closed once the request is read, unanswered. */
  FakeRegistryServer thenDrop() {
    script.add(new Reply(DROP, "", 0));
    return this;
  }

  /** The reply once the queued ones are used up. */
  FakeRegistryServer always(int status, String body) {
    otherwise = new Reply(status, body, 0);
    return this;
  }

  /** Replies to everything only after a delay. */
  FakeRegistryServer slow(long delayMillis) {
    otherwise = new Reply(200, "{}", delayMillis);
    return this;
  }

  List<Request> requests() {
    return requests;
  }

  Request lastRequest() {
    return requests.get(requests.size() - 1);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      requests.add(
          new Request(
              exchange.getRequestMethod(),
              exchange.getRequestURI().getRawPath(),
              exchange.getRequestURI().getRawQuery(),
              exchange.getRequestHeaders().getFirst("Content-Type"),
              exchange.getRequestHeaders().getFirst("Accept"),
              exchange.getRequestHeaders().getFirst("Authorization"),
              body));
      Reply reply = script.poll();
      if (reply == null) {
        reply = otherwise;
      }
      if (reply.delayMillis() > 0) {
        try {
          Thread.sleep(reply.delayMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      if (reply.status() == DROP) {
        return; // closed by the try, before any answer
      }
      byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
      exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
