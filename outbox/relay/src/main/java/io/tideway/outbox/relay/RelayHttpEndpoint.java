package io.tideway.outbox.relay;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * The relay's operational HTTP endpoint on loopback:
 *
 * <ul>
 *   <li>{@code GET /health/live} — {@code 200} while the process runs;
 *   <li>{@code GET /health/ready} — {@code 200} when every source streams, else {@code 503}; the
 *       body names each source's state, e.g. {@code {"status":"DOWN","sources":{"customer":
 *       "STREAMING","order":"DISCONNECTED"}}};
 *   <li>{@code GET /metrics} — the meters in Prometheus' text format.
 * </ul>
 */
public final class RelayHttpEndpoint implements AutoCloseable {

  private static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final String JSON_TYPE = "application/json";

  private final HttpServer server;
  private final ExecutorService executor;

  private RelayHttpEndpoint(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Serves the relay's health and meters on {@code 127.0.0.1:port} ({@code 0}: a free port).
   *
   * @throws IOException when the port cannot be bound
   */
  public static RelayHttpEndpoint start(OutboxRelay relay, PrometheusMeterRegistry meters, int port)
      throws IOException {
    return start(relay, meters, "127.0.0.1", port);
  }

  /**
   * Serves the relay's health and meters on {@code host:port}: another address than loopback lets
   * probes and Prometheus on other hosts reach them ({@code 0.0.0.0}: every interface).
   *
   * @throws IOException when the address cannot be bound
   */
  public static RelayHttpEndpoint start(
      OutboxRelay relay, PrometheusMeterRegistry meters, String host, int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.createContext(
        "/health/live", exchange -> answer(exchange, 200, JSON_TYPE, "{\"status\":\"UP\"}"));
    server.createContext(
        "/health/ready",
        exchange -> {
          RelayHealth health = relay.health();
          answer(exchange, health.streaming() ? 200 : 503, JSON_TYPE, json(health));
        });
    server.createContext(
        "/metrics", exchange -> answer(exchange, 200, PROMETHEUS_TYPE, meters.scrape()));
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            task -> {
              Thread thread = new Thread(task, "tideway-relay-http");
              thread.setDaemon(true);
              return thread;
            });
    server.setExecutor(executor);
    server.start();
    return new RelayHttpEndpoint(server, executor);
  }

  /** The base URL, e.g. {@code http://127.0.0.1:8083}. */
  public String url() {
    InetSocketAddress address = server.getAddress();
    return "http://" + address.getHostString() + ":" + address.getPort();
  }

  static String json(RelayHealth health) {
    // Source names and states are letters, digits and '_': nothing to escape.
    String sources =
        health.sources().entrySet().stream()
            .map(entry -> "\"" + entry.getKey() + "\":\"" + entry.getValue() + "\"")
            .collect(Collectors.joining(","));
    return "{\"status\":\""
        + (health.streaming() ? "UP" : "DOWN")
        + "\",\"sources\":{"
        + sources
        + "}}";
  }

  private static void answer(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", type);
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
