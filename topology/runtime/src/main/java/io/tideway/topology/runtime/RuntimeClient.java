package io.tideway.topology.runtime;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.topology.AvroJson;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * A client of a runtime's HTTP API, as the {@code tideway deploy}, {@code deployments}, {@code
 * undeploy} and {@code query} commands use it.
 */
public final class RuntimeClient {

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration DEPLOY_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);

  private final String url;
  private final String operatorToken;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
  private final ObjectMapper json = AvroJson.exactMapper();

  /**
   * @param url the runtime's base URL, e.g. {@code http://127.0.0.1:8084}
   */
  public RuntimeClient(String url) {
    this(url, null);
  }

  /**
   * @param url the runtime's base URL, e.g. {@code http://127.0.0.1:8084}
   * @param operatorToken the runtime's operator token, sent with deploys, undeploys, resets and
   *     rebuilds; null for a runtime without one
   */
  public RuntimeClient(String url, String operatorToken) {
    this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.operatorToken = operatorToken;
  }

  /** An answer other than success: the HTTP status and the runtime's message. */
  public static final class RuntimeError extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final int status;

    RuntimeError(int status, String message) {
      super(message);
      this.status = status;
    }

    /** The HTTP status; 0 when the runtime did not answer. */
    public int status() {
      return status;
    }
  }

  /**
   * Deploys a jar.
   *
   * @param settings the deployment's settings, or empty
   * @param dryRun only check the jar
   * @param reset start the jar's applications from scratch, as {@link TopologyRuntime#deploy} says
   */
  public List<DeploymentStatus> deploy(
      Path jar, Map<String, String> settings, int instances, boolean dryRun, boolean reset)
      throws IOException {
    StringWriter text = new StringWriter();
    Properties props = new Properties();
    props.putAll(settings);
    props.store(text, null);
    String query =
        "?jar="
            + encode(jar.getFileName().toString())
            + "&instances="
            + instances
            + "&dryRun="
            + dryRun
            + "&reset="
            + reset
            + "&settings="
            + encode(text.toString());
    HttpRequest request =
        operatorRequest(URI.create(url + "/v1/deployments" + query))
            .header("Content-Type", "application/java-archive")
            .POST(HttpRequest.BodyPublishers.ofByteArray(Files.readAllBytes(jar)))
            .build();
    return json.readValue(send(request).body(), new TypeReference<>() {});
  }

  /** Every deployment of the runtime. */
  public List<DeploymentStatus> deployments() throws IOException {
    return json.readValue(send(get("/v1/deployments")).body(), new TypeReference<>() {});
  }

  /** One deployment. */
  public DeploymentStatus deployment(String name) throws IOException {
    return json.readValue(
        send(get("/v1/deployments/" + encode(name))).body(), DeploymentStatus.class);
  }

  /** Stops a deployment and returns it as it was. */
  public DeploymentStatus undeploy(String name) throws IOException {
    HttpRequest request =
        operatorRequest(URI.create(url + "/v1/deployments/" + encode(name))).DELETE().build();
    return json.readValue(send(request).body(), DeploymentStatus.class);
  }

  /**
   * Replays a deployment's inputs from a time, as {@link TopologyRuntime#reset} says.
   *
   * @param to an ISO-8601 instant or epoch milliseconds; null for the earliest records
   */
  public ResetPlan reset(String name, String to, boolean dryRun) throws IOException {
    HttpRequest request =
        operatorRequest(
                URI.create(
                    url
                        + "/v1/deployments/"
                        + encode(name)
                        + "/reset?to="
                        + encode(to == null ? "earliest" : to)
                        + "&dryRun="
                        + dryRun))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    return json.readValue(send(request).body(), ResetPlan.class);
  }

  /**
   * Starts rebuilding a deployment, or with {@code dryRun} plans it, as {@link
   * TopologyRuntime#rebuild} says, at the risks allowed.
   */
  public RebuildStatus rebuild(String name, boolean dryRun, Set<RebuildRisk> allowed)
      throws IOException {
    HttpRequest request =
        operatorRequest(
                URI.create(
                    url
                        + "/v1/deployments/"
                        + encode(name)
                        + "/rebuild?dryRun="
                        + dryRun
                        + "&sagas="
                        + allowed.contains(RebuildRisk.SAGAS)
                        + "&truncatedInputs="
                        + allowed.contains(RebuildRisk.TRUNCATED_INPUTS)))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    return json.readValue(send(request).body(), RebuildStatus.class);
  }

  /** The latest rebuild of a deployment. */
  public RebuildStatus rebuildStatus(String name) throws IOException {
    return json.readValue(
        send(get("/v1/deployments/" + encode(name) + "/rebuild")).body(), RebuildStatus.class);
  }

  /**
   * A key's entry in a store, as the runtime renders it. While the store cannot answer (a
   * rebalance, a restore) the lookup is retried each second, for up to 30 s.
   */
  public JsonNode get(String store, String key, boolean allowStale) throws IOException {
    return get(store, key, allowStale, null);
  }

  /**
   * A key's entry in a versioned store as it was at a time, retried as {@link #get(String, String,
   * boolean)} is.
   *
   * @param asOf an ISO-8601 instant or epoch milliseconds; null for the latest value
   */
  public JsonNode get(String store, String key, boolean allowStale, String asOf)
      throws IOException {
    return retryingWhileUnavailable(
        get(
            "/v1/stores/"
                + encode(store)
                + "/keys/"
                + encode(key)
                + "?allowStale="
                + allowStale
                + (asOf == null ? "" : "&asOf=" + encode(asOf))));
  }

  /** Sends a query, again each second while it is answered 503, for up to 30 s. */
  private JsonNode retryingWhileUnavailable(HttpRequest request) throws IOException {
    long deadline = System.nanoTime() + QUERY_TIMEOUT.toNanos();
    while (true) {
      try {
        return json.readTree(send(request).body());
      } catch (RuntimeError e) {
        if (e.status() != 503 || System.nanoTime() > deadline) {
          throw e;
        }
      }
      try {
        Thread.sleep(1_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("Interrupted waiting for " + request.uri(), e);
      }
    }
  }

  /**
   * A page of a store's entries in key order: {@code {"store","entries":[{"key","value"}],
   * "next"}}; pass {@code next} as {@code cursor} for the following page (null at the end). Retried
   * while the store cannot answer, as {@link #get} is.
   *
   * @param from lowest key, or null
   * @param to highest key, or null
   * @param prefix only keys with this prefix, or null
   * @param cursor where the previous page ended, or null
   */
  public JsonNode scan(
      String store, String from, String to, String prefix, int limit, String cursor)
      throws IOException {
    StringBuilder path =
        new StringBuilder("/v1/stores/").append(encode(store)).append("/keys?limit=").append(limit);
    for (String[] param :
        new String[][] {{"from", from}, {"to", to}, {"prefix", prefix}, {"cursor", cursor}}) {
      if (param[1] != null) {
        path.append('&').append(param[0]).append('=').append(encode(param[1]));
      }
    }
    return retryingWhileUnavailable(get(path.toString()));
  }

  /**
   * One saga: status, current step and history ({@code GET /v1/sagas/{id}}). Retried while its
   * store cannot answer, as {@link #get} is.
   */
  public JsonNode saga(String id) throws IOException {
    return retryingWhileUnavailable(get("/v1/sagas/" + encode(id)));
  }

  /**
   * A page of sagas in id order: {@code {"sagas":[...],"next"}}.
   *
   * @param state only sagas in this status, or null for all
   * @param cursor the previous page's {@code next}, or null
   */
  public JsonNode sagas(String state, int limit, String cursor) throws IOException {
    StringBuilder path = new StringBuilder("/v1/sagas?limit=").append(limit);
    if (state != null) {
      path.append("&state=").append(encode(state));
    }
    if (cursor != null) {
      path.append("&cursor=").append(encode(cursor));
    }
    return retryingWhileUnavailable(get(path.toString()));
  }

  /**
   * A page of an aggregate's events in the order they were published: {@code
   * {"aggregateType","aggregateId","events":[...],"next"}}; pass {@code next} as {@code cursor} for
   * the following page (null at the end). Retried while the history cannot answer.
   */
  public JsonNode aggregateEvents(String type, String id, int limit, String cursor)
      throws IOException {
    return retryingWhileUnavailable(
        get(
            "/v1/aggregates/"
                + encode(type)
                + "/"
                + encode(id)
                + "/events?limit="
                + limit
                + (cursor == null ? "" : "&cursor=" + encode(cursor))));
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(URI.create(url + path)).timeout(QUERY_TIMEOUT).GET().build();
  }

  /** A request that changes what the runtime runs: it carries the operator token. */
  private HttpRequest.Builder operatorRequest(URI uri) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(DEPLOY_TIMEOUT);
    if (operatorToken != null) {
      request.header("Authorization", OperatorToken.SCHEME + operatorToken);
    }
    return request;
  }

  private HttpResponse<String> send(HttpRequest request) throws IOException {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (java.net.ConnectException e) {
      throw new RuntimeError(0, "No topology runtime answers at " + url + " (is the platform up?)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted waiting for " + request.uri(), e);
    }
    if (response.statusCode() >= 300) {
      String message = response.body();
      try {
        message = json.readTree(response.body()).path("error").asText(message);
      } catch (IOException notJson) {
        // the body as it is
      }
      throw new RuntimeError(response.statusCode(), message);
    }
    return response;
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
