package io.tideway.topology.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tideway.topology.AvroJson;
import io.tideway.topology.saga.SagaStatus;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.utils.KafkaThread;
import org.apache.kafka.streams.state.HostInfo;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's HTTP API (JSON):
 *
 * <ul>
 *   <li>{@code GET /v1/deployments}; {@code POST /v1/deployments?jar=<file name>&instances=N
 *       &settings=<properties text>[&dryRun=true][&reset=true]} with the jar's bytes as the body;
 *       {@code GET} and {@code DELETE /v1/deployments/{name}}; {@code POST
 *       /v1/deployments/{name}/reset?to=earliest|<time>[&dryRun=true]}; {@code POST
 *       /v1/deployments/{name}/rebuild[?dryRun=true][&sagas=true][&truncatedInputs=true]} (starts
 *       it: 202) and {@code GET} (follows it);
 *   <li>{@code GET /v1/stores}; {@code GET /v1/stores/{store}/keys/{key}[?allowStale=true]
 *       [&from=&to=|&asOf=][&waitFor=<event id>&timeout=2s]}; {@code GET
 *       /v1/stores/{store}/keys[?from=&to=&prefix= &limit=&cursor=]};
 *   <li>{@code GET /v1/sagas[?state=&limit=&cursor=]}; {@code GET /v1/sagas/{id}};
 *   <li>{@code GET /v1/aggregates/{type}/{id}/events[?limit=&cursor=]}, an aggregate's events in
 *       order, from its history store;
 *   <li>{@code GET /health/live}; {@code GET /health/ready}, {@code 200} only when every deployment
 *       is {@code RUNNING}; {@code GET /metrics}, Prometheus text.
 * </ul>
 */
final class RuntimeHttp implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RuntimeHttp.class);
  private static final Pattern TIMEOUT = Pattern.compile("(\\d{1,9})(ms|s)?");
  private static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /**
   * How long stopping waits for the requests under way: longer than a lookup's default wait for an
   * event (2 s), shorter than its longest.
   */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

  private final Javalin app;
  private final String host;
  private final StoreQueries queries;
  private final InlineLookups root;
  private final ExecutorService clients;

  private RuntimeHttp(
      Javalin app, String host, StoreQueries queries, InlineLookups root, ExecutorService clients) {
    this.app = app;
    this.host = host;
    this.queries = queries;
    this.root = root;
    this.clients = clients;
  }

  /**
   * The server's threads: a small pool, as lookups take well under a millisecond of CPU, and on a
   * machine of few cores more threads than a few per core only queue for the CPU and lengthen the
   * tail. Bounded below for Jetty's acceptor and selector and for forwarded lookups, which wait on
   * the owning instance.
   */
  static int serverThreads() {
    return Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
  }

  private static QueuedThreadPool threadPool() {
    int threads = serverThreads();
    QueuedThreadPool pool = new QueuedThreadPool(threads, Math.min(threads, 4));
    pool.setName("tideway-query");
    return pool;
  }

  /** Clients' scans, saga and history queries, at most, under way at a time. */
  static final int CLIENT_THREADS = 32;

  /**
   * Clients' scans, saga and history queries queued for a thread, at most: more get {@code 503}.
   */
  static final int CLIENT_QUEUE = 1024;

  /**
   * Threads for clients' scans, saga and history queries, which gather from every instance, apart
   * from the server's pool (see {@link InlineLookups}): made as needed and let go. Most of their
   * time is spent waiting on other instances, so there are more of them than cores.
   */
  private static ThreadPoolExecutor clientPool() {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            CLIENT_THREADS,
            CLIENT_THREADS,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(CLIENT_QUEUE),
            runnable -> KafkaThread.daemon("tideway-query-client", runnable));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /**
   * How long a connection may be silent: longer than a lookup may wait for its event (at most
   * {@link StoreQueries#MAX_WAIT}, on the instance it was forwarded to too). At Jetty's default of
   * 30 s, such a lookup lost its connection instead of answering {@code 504}.
   */
  static final Duration IDLE_TIMEOUT = StoreQueries.MAX_WAIT.multipliedBy(2);

  /** Sets {@link #IDLE_TIMEOUT} on the connectors, which Javalin adds once the server is made. */
  private static void idleTimeout(Server server) {
    for (Connector connector : server.getConnectors()) {
      if (connector instanceof AbstractConnector network) {
        network.setIdleTimeout(IDLE_TIMEOUT.toMillis());
      }
    }
  }

  /**
   * @param operatorToken what deploys, undeploys, resets and rebuilds must carry; null for nothing
   */
  static RuntimeHttp start(
      TopologyRuntime runtime,
      PrometheusMeterRegistry meters,
      String host,
      int port,
      String operatorToken) {
    // Answers of peers are read back: their decimals must stay as they were rendered.
    ObjectMapper json = AvroJson.exactMapper();
    Routes routes = new Routes(runtime, json);
    OperatorToken token = new OperatorToken(operatorToken);
    AtomicReference<InlineLookups> root = new AtomicReference<>();
    ThreadPoolExecutor clients = clientPool();
    Javalin app =
        Javalin.create(
            config -> {
              config.startup.showJavalinBanner = false;
              config.startup.showOldJavalinVersionWarning = false;
              config.jetty.host = host;
              config.jetty.port = port;
              config.jetty.threadPool = threadPool();
              config.http.defaultContentType = "application/json";
              config.http.maxRequestSize = 512L * 1024 * 1024;
              // Lookups answer a few hundred bytes: deciding whether to compress each answer cost
              // more than the lookup itself under load.
              config.http.compressionStrategy = CompressionStrategy.NONE;
              // Key lookups, the hot path, and health are answered ahead of the servlet layer;
              // Javalin
              // places its servlet context after them, in the handler's sequence.
              config.jetty.modifyServer(
                  server -> {
                    server.setStopTimeout(STOP_TIMEOUT.toMillis());
                    server.addEventListener(
                        new LifeCycle.Listener() {
                          @Override
                          public void lifeCycleStarting(LifeCycle server) {
                            idleTimeout((Server) server);
                          }
                        });
                    root.set(
                        new InlineLookups(
                            new KeyLookupHandler(routes::queries, meters, server.getThreadPool()),
                            server.getThreadPool(),
                            clients,
                            runtime::ready));
                    server.setHandler(root.get());
                  });
              var r = config.routes;
              r.get("/metrics", ctx -> ctx.contentType(PROMETHEUS_TYPE).result(meters.scrape()));
              r.get(
                  "/v1/deployments",
                  ctx -> ctx.result(json.writeValueAsString(runtime.deployments())));
              r.post("/v1/deployments", operatorOnly(token, routes::deploy));
              r.get("/v1/deployments/{name}", routes::deployment);
              r.delete("/v1/deployments/{name}", operatorOnly(token, routes::undeploy));
              r.post("/v1/deployments/{name}/reset", operatorOnly(token, routes::reset));
              r.post("/v1/deployments/{name}/rebuild", operatorOnly(token, routes::rebuild));
              r.get("/v1/deployments/{name}/rebuild", routes::rebuildStatus);
              r.get("/v1/stores", ctx -> ctx.result(routes.bound().queries().stores()));
              r.get("/v1/stores/{store}/keys", routes::scan);
              r.get("/v1/sagas", routes::sagas);
              r.get("/v1/sagas/{id}", routes::saga);
              r.get("/v1/aggregates/{type}/{id}/events", routes::aggregateEvents);
              r.exception(
                  Starting.class,
                  (e, ctx) ->
                      ctx.status(503)
                          .header("Retry-After", "1")
                          .result(Routes.error(json, "The runtime is starting")));
              r.exception(
                  Unauthorized.class,
                  (e, ctx) ->
                      ctx.status(401)
                          .header("WWW-Authenticate", "Bearer")
                          .result(Routes.error(json, e.getMessage())));
              r.exception(
                  BadRequest.class,
                  (e, ctx) -> ctx.status(400).result(Routes.error(json, e.getMessage())));
              r.exception(
                  NoSuchDeploymentException.class,
                  (e, ctx) -> ctx.status(404).result(Routes.error(json, e.getMessage())));
              r.exception(
                  DeploymentException.class,
                  (e, ctx) -> ctx.status(400).result(Routes.error(json, e.getMessage())));
              r.exception(
                  ResetFailedException.class,
                  (e, ctx) -> {
                    log.error("{} {} failed", ctx.method(), ctx.path(), e);
                    ctx.status(500).result(Routes.error(json, e.getMessage()));
                  });
              r.exception(
                  Exception.class,
                  (e, ctx) -> {
                    log.error("Failed to answer {} {}", ctx.method(), ctx.path(), e);
                    ctx.status(500).result(Routes.error(json, "Internal error: " + e));
                  });
            });
    app.start();
    routes.bind(new HostInfo(host, app.port()));
    return new RuntimeHttp(app, host, routes.queries(), root.get(), clients);
  }

  String url() {
    return "http://" + host + ":" + app.port();
  }

  int port() {
    return app.port();
  }

  /** Lets the requests under way be answered, up to {@link #STOP_TIMEOUT}, then stops. */
  @Override
  public void close() {
    try {
      root.drain().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      log.warn("Queries still under way after {}; stopping all the same", STOP_TIMEOUT);
    } catch (ExecutionException e) {
      log.warn("Could not wait for the queries under way", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Queued still only when the wait timed out.
    InlineLookups.refuse(clients.shutdownNow());
    app.stop();
    try {
      queries.close();
    } catch (IOException e) {
      log.warn("Could not close the connections to other instances: {}", e.toString());
    }
  }

  /** The lookup the parameters ask for: {@code from} and {@code to}, {@code asOf}, or neither. */
  static KeyLookup lookup(String key, Function<String, String> params) {
    Instant from = instant(params, "from");
    Instant to = instant(params, "to");
    Instant asOf = instant(params, "asOf");
    if ((from == null) != (to == null)) {
      throw new BadRequest("from and to go together");
    }
    if (from != null && asOf != null) {
      throw new BadRequest("asOf is for versioned stores, from and to for window stores: not both");
    }
    if (from != null && from.isAfter(to)) {
      throw new BadRequest("from " + from + " is after to " + to);
    }
    return asOf != null
        ? KeyLookup.asOf(key, asOf)
        : from != null ? KeyLookup.windows(key, from, to) : KeyLookup.latest(key);
  }

  /** An ISO-8601 instant or epoch milliseconds. */
  private static Instant instant(Function<String, String> params, String name) {
    String text = params.apply(name);
    if (text == null) {
      return null;
    }
    try {
      Instant instant =
          text.chars().allMatch(Character::isDigit)
              ? Instant.ofEpochMilli(Long.parseLong(text))
              : Instant.parse(text);
      instant.toEpochMilli(); // the stores' range: an instant beyond it throws here
      return instant;
    } catch (RuntimeException e) {
      throw new BadRequest(
          name + " must be an ISO-8601 instant or epoch milliseconds, not " + text);
    }
  }

  /** {@code 2s}, {@code 500ms} or milliseconds; at most {@link StoreQueries#MAX_WAIT}. */
  static Duration timeout(String text) {
    if (text == null) {
      return StoreQueries.DEFAULT_WAIT;
    }
    Matcher m = TIMEOUT.matcher(text.trim());
    if (!m.matches()) {
      throw new BadRequest("timeout must look like 2s or 500ms, not " + text);
    }
    long amount = Long.parseLong(m.group(1));
    Duration timeout =
        "s".equals(m.group(2)) ? Duration.ofSeconds(amount) : Duration.ofMillis(amount);
    if (timeout.compareTo(StoreQueries.MAX_WAIT) > 0) {
      throw new BadRequest("timeout can be at most " + StoreQueries.MAX_WAIT.toSeconds() + "s");
    }
    return timeout;
  }

  /**
   * How much of a refused operator request's body is read, at most: a client still sending a jar
   * when the refusal came and the connection closed would see the connection fail, not the refusal.
   * Beyond it, the body is left unread and the connection closed: one who has no token does not get
   * this server to read up to its largest request, hundreds of megabytes. A client that asks {@code
   * Expect: 100-continue} (curl does for bodies over 1 MiB) is refused before it sends its body.
   */
  static final int REFUSED_BODY_READ = 64 * 1024 * 1024;

  /** A handler that runs only for a request the operator token admits; else a {@code 401}. */
  private static Handler operatorOnly(OperatorToken token, Handler handler) {
    return ctx -> {
      if (!token.admits(ctx.header("Authorization"))) {
        // A client that waits to be told to continue is refused before it sends: reading would
        // tell it to.
        if (!"100-continue".equalsIgnoreCase(ctx.header("Expect"))) {
          try (InputStream body = ctx.req().getInputStream()) {
            if (!readToEnd(body, REFUSED_BODY_READ)) {
              ctx.header("Connection", "close");
            }
          }
        }
        throw new Unauthorized();
      }
      handler.handle(ctx);
    };
  }

  /** Reads {@code body} to its end, unkept, unless it is longer than {@code limit}: says which. */
  private static boolean readToEnd(InputStream body, int limit) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    int left = limit;
    for (int read; left > 0; left -= read) {
      read = body.read(buffer, 0, Math.min(buffer.length, left));
      if (read < 0) {
        return true;
      }
    }
    return body.read() < 0;
  }

  /** An operator request without the runtime's token. */
  private static final class Unauthorized extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unauthorized() {
      super(
          "Deploying, undeploying, resetting and rebuilding need this runtime's operator token"
              + " (Authorization: Bearer <token>)");
    }
  }

  /** A request that came while the server did not yet know its own address. */
  private static final class Starting extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  /** Malformed input: answered with {@code 400}. */
  static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }

  /** The handlers that need more than one line. */
  private static final class Routes {

    private final TopologyRuntime runtime;
    private final ObjectMapper json;
    private volatile Bound bound;

    /** What answers queries, made once the server knows its own address. */
    private record Bound(StoreQueries queries, SagaQueries sagas, AggregateQueries aggregates) {}

    Routes(TopologyRuntime runtime, ObjectMapper json) {
      this.runtime = runtime;
      this.json = json;
    }

    void bind(HostInfo self) {
      StoreQueries queries = new StoreQueries(runtime, self, json);
      bound =
          new Bound(
              queries,
              new SagaQueries(runtime, queries, json),
              new AggregateQueries(runtime, queries, json));
    }

    /** What answers queries; before the server knows its own address, a 503 to come back after. */
    private Bound bound() {
      Bound answering = bound;
      if (answering == null) {
        throw new Starting();
      }
      return answering;
    }

    void reset(Context ctx) throws IOException {
      String to = ctx.queryParam("to");
      if (to == null) {
        throw new BadRequest("to must be earliest, an ISO-8601 instant or epoch milliseconds");
      }
      Instant time = "earliest".equals(to) ? null : instant(ctx::queryParam, "to");
      boolean dryRun = Boolean.parseBoolean(ctx.queryParam("dryRun"));
      ctx.result(json.writeValueAsString(runtime.reset(ctx.pathParam("name"), time, dryRun)));
    }

    void rebuild(Context ctx) throws IOException {
      boolean dryRun = Boolean.parseBoolean(ctx.queryParam("dryRun"));
      Set<RebuildRisk> allowed = EnumSet.noneOf(RebuildRisk.class);
      if (Boolean.parseBoolean(ctx.queryParam("sagas"))) {
        allowed.add(RebuildRisk.SAGAS);
      }
      if (Boolean.parseBoolean(ctx.queryParam("truncatedInputs"))) {
        allowed.add(RebuildRisk.TRUNCATED_INPUTS);
      }
      ctx.status(dryRun ? 200 : 202)
          .result(json.writeValueAsString(runtime.rebuild(ctx.pathParam("name"), dryRun, allowed)));
    }

    void rebuildStatus(Context ctx) throws IOException {
      String name = ctx.pathParam("name");
      var status = runtime.rebuildStatus(name);
      if (status.isEmpty()) {
        ctx.status(404)
            .result(error(json, "No rebuild of " + name + " since this runtime started"));
      } else {
        ctx.result(json.writeValueAsString(status.get()));
      }
    }

    void aggregateEvents(Context ctx) throws IOException {
      answer(
          ctx,
          bound()
              .aggregates()
              .events(
                  ctx.pathParam("type"),
                  ctx.pathParam("id"),
                  limit(ctx, StoreQueries.MAX_LIMIT),
                  ctx.queryParam("cursor")));
    }

    private static int limit(Context ctx, int defaultValue) {
      int limit = intParam(ctx, "limit", defaultValue);
      if (limit < 1 || limit > StoreQueries.MAX_LIMIT) {
        throw new BadRequest("limit must be 1-" + StoreQueries.MAX_LIMIT + ", not " + limit);
      }
      return limit;
    }

    void saga(Context ctx) throws IOException {
      answer(ctx, bound().sagas().saga(ctx.pathParam("id")));
    }

    void sagas(Context ctx) throws IOException {
      int limit = limit(ctx, 100);
      String state = ctx.queryParam("state");
      if (state != null
          && Arrays.stream(SagaStatus.values()).noneMatch(s -> s.name().equalsIgnoreCase(state))) {
        throw new BadRequest(
            "state must be one of " + Arrays.toString(SagaStatus.values()) + ", not " + state);
      }
      answer(ctx, bound().sagas().list(state, limit, ctx.queryParam("cursor")));
    }

    /** The key lookups' queries, or null while the runtime starts. */
    StoreQueries queries() {
      Bound answering = bound;
      return answering == null ? null : answering.queries();
    }

    void deploy(Context ctx) throws IOException {
      int instances = intParam(ctx, "instances", 1);
      Path jar = runtime.keepJar(ctx.queryParam("jar"), ctx.bodyAsBytes());
      Map<String, String> settings = DeploymentSettings.parse(ctx.queryParam("settings"));
      boolean dryRun = Boolean.parseBoolean(ctx.queryParam("dryRun"));
      ctx.status(dryRun ? 200 : 201)
          .result(
              json.writeValueAsString(
                  runtime.deploy(
                      jar,
                      settings,
                      instances,
                      dryRun,
                      Boolean.parseBoolean(ctx.queryParam("reset")))));
    }

    void deployment(Context ctx) throws IOException {
      String name = ctx.pathParam("name");
      var found = runtime.deployments().stream().filter(d -> d.name().equals(name)).findFirst();
      if (found.isEmpty()) {
        ctx.status(404).result(error(json, "No deployment named " + name));
      } else {
        ctx.result(json.writeValueAsString(found.get()));
      }
    }

    void undeploy(Context ctx) throws IOException {
      String name = ctx.pathParam("name");
      var stopped = runtime.undeploy(name);
      if (stopped.isEmpty()) {
        ctx.status(404).result(error(json, "No deployment named " + name));
      } else {
        ctx.result(json.writeValueAsString(stopped.get()));
      }
    }

    void scan(Context ctx) throws IOException {
      int limit = limit(ctx, 100);
      answer(
          ctx,
          bound()
              .queries()
              .scan(
                  ctx.pathParam("store"),
                  ctx.queryParam("from"),
                  ctx.queryParam("to"),
                  ctx.queryParam("prefix"),
                  limit,
                  ctx.queryParam("cursor"),
                  "local".equals(ctx.queryParam(StoreQueries.SCOPE))));
    }

    /**
     * Writes the answer straight to the response: a result handed to Javalin is copied through an
     * input stream, a twentieth of the server's time at full load.
     */
    private static void answer(Context ctx, StoreQueries.Answer answer) throws IOException {
      HttpServletResponse response = ctx.res();
      if (answer.retryAfter() > 0) {
        response.setHeader("Retry-After", String.valueOf(answer.retryAfter()));
      }
      byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
      response.setStatus(answer.status());
      response.setContentType("application/json");
      response.setContentLength(body.length);
      response.getOutputStream().write(body);
    }

    static String error(ObjectMapper json, String message) {
      ObjectNode node = json.createObjectNode().put("error", message);
      return node.toString();
    }

    private static int intParam(Context ctx, String name, int defaultValue) {
      String text = ctx.queryParam(name);
      if (text == null) {
        return defaultValue;
      }
      try {
        return Integer.parseInt(text);
      } catch (NumberFormatException e) {
        throw new BadRequest(name + " must be a number, not " + text);
      }
    }
  }
}
