package io.tideway.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A schema registry of the two endpoints the registry scenario uses, on the JDK's HTTP server:
 * registers schemas, answers ids, and can answer an id wrongly or slowly on purpose. Records what
 * it was asked, and how many requests it held at once.
 */
final class FakeRegistry implements AutoCloseable {

  static {
    // The JDK's server writes headers and body apart; without this, Nagle's algorithm holds the
    // body back until the client's delayed acknowledgement, 40 ms per request.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

  /** A forced answer: status and body. */
  record Answer(int status, String body) {}

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final Map<String, Integer> idsBySchema = new LinkedHashMap<>();
  private final Map<Integer, String> schemasById = new ConcurrentHashMap<>();
  private final Map<Integer, Answer> forcedAnswers = new ConcurrentHashMap<>();
  private final List<String> subjects = new ArrayList<>();
  private final List<Integer> idsRequested = new ArrayList<>();
  private final Set<String> authorizations = ConcurrentHashMap.newKeySet();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private volatile long delayMillis;
  private int nextId = 100;

  FakeRegistry() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(threads);
    server.createContext("/subjects/", this::register);
    server.createContext("/schemas/ids/", this::schemaById);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Answers every lookup of an id this late. */
  FakeRegistry delayAnswers(long millis) {
    this.delayMillis = millis;
    return this;
  }

  /** Answers lookups of the {@code n}th registered schema (from 0) with this instead. */
  FakeRegistry answerRegistered(int n, int status, String body) {
    forcedAnswers.put(100 + n, new Answer(status, body));
    return this;
  }

  synchronized List<String> subjects() {
    return List.copyOf(subjects);
  }

  synchronized List<Integer> idsRequested() {
    return List.copyOf(idsRequested);
  }

  /** The {@code Authorization} headers requests came with, {@code none} for none. */
  Set<String> authorizations() {
    return Set.copyOf(authorizations);
  }

  synchronized Map<String, Integer> idsBySchema() {
    return Map.copyOf(idsBySchema);
  }

  int maxInFlight() {
    return maxInFlight.get();
  }

  /** The bytes of the answer to id {@code id}, as the registry sends them. */
  byte[] answer(int id) throws IOException {
    return JSON.writeValueAsBytes(Map.of("schema", schemasById.get(id)));
  }

  private void register(HttpExchange exchange) throws IOException {
    noteAuthorization(exchange);
    String path = exchange.getRequestURI().getPath();
    if (!exchange.getRequestMethod().equals("POST") || !path.endsWith("/versions")) {
      send(exchange, 404, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}");
      return;
    }
    String subject = path.substring("/subjects/".length(), path.length() - "/versions".length());
    String schema;
    try (InputStream in = exchange.getRequestBody()) {
      schema = JSON.readTree(in).get("schema").asText();
    }
    int id;
    synchronized (this) {
      subjects.add(subject);
      id = idsBySchema.computeIfAbsent(schema, s -> nextId++);
      schemasById.put(id, schema);
    }
    send(exchange, 200, "{\"id\":" + id + "}");
  }

  private void schemaById(HttpExchange exchange) throws IOException {
    noteAuthorization(exchange);
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    Answer answer;
    try {
      int id =
          Integer.parseInt(exchange.getRequestURI().getPath().substring("/schemas/ids/".length()));
      synchronized (this) {
        idsRequested.add(id);
      }
      if (delayMillis > 0) {
        TimeUnit.MILLISECONDS.sleep(delayMillis);
      }
      Answer forced = forcedAnswers.get(id);
      if (forced != null) {
        answer = forced;
      } else if (!schemasById.containsKey(id)) {
        answer =
            new Answer(404, "{\"error_code\":40403,\"message\":\"Schema " + id + " not found.\"}");
      } else {
        answer = new Answer(200, new String(answer(id), StandardCharsets.UTF_8));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } finally {
      // Counted out before the answer goes: the client may send its next request as soon as it
      // has read this one, before this thread would get to count it out afterwards.
      inFlight.decrementAndGet();
    }
    send(exchange, answer.status(), answer.body());
  }

  private void noteAuthorization(HttpExchange exchange) {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    authorizations.add(authorization == null ? "none" : authorization);
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    send(exchange, status, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
