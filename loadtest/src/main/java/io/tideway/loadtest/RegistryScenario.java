package io.tideway.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * The schema registry's hot read path, the one every deserializer meeting a new schema id takes:
 * {@code GET /schemas/ids/{id}}, cycling over ids registered for the run. A request is complete
 * when its {@code 200} answer has been read to its end; any other answer, or none, fails the run
 * with what came back.
 *
 * <p>Before the run, {@code schemas} distinct schemas are registered through {@code POST
 * /subjects/{subject}/versions}, one subject each ({@code loadtest.registry.event-<n>-value}). They
 * are the same schemas every run, so a registry that has them already answers their ids without a
 * write; they stay registered, as a registry keeps every id anyway.
 *
 * <p>Requests are sent without waiting for answers, with at most {@code concurrency} in flight. At
 * that bound the sender waits for a free slot; requests due meanwhile are sent late, and their
 * latency still runs from when they were due, so the wait is measured rather than hidden. Needs no
 * Kafka.
 */
public final class RegistryScenario implements Scenario {

  /** The name on the command line and in reports. */
  public static final String NAME = "registry";

  /** Schemas registered, and ids cycled over, when not told otherwise. */
  public static final int DEFAULT_SCHEMAS = 50;

  /** Requests in flight at most, when not told otherwise. */
  public static final int DEFAULT_CONCURRENCY = 16;

  /** The longest a request may take: a registry that stops answering fails the run, not hang it. */
  static final String SUBJECT_PREFIX = "loadtest.registry.event-";

  static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The registry's base URL, without credentials: it is shown. */
  private final String registryUrl;

  /** The {@code Authorization} header that the URL's {@code user:password@} stands for, or null. */
  private final String authorization;

  private final int schemas;
  private final int concurrency;

  /**
   * @param registryUrl the registry's base URL, e.g. {@code http://127.0.0.1:8081}
   * @param schemas how many schemas to register and cycle over
   * @param concurrency how many requests may be in flight at once
   * @throws IllegalArgumentException naming the option that cannot work
   */
  public RegistryScenario(String registryUrl, int schemas, int concurrency) {
    checkOptions(schemas, concurrency);
    URI base = baseUrl(registryUrl);
    this.authorization =
        base.getUserInfo() == null
            ? null
            : "Basic "
                + Base64.getEncoder()
                    .encodeToString(base.getUserInfo().getBytes(StandardCharsets.UTF_8));
    this.registryUrl =
        (base.getScheme()
                + "://"
                + base.getRawAuthority().substring(base.getRawAuthority().indexOf('@') + 1)
                + (base.getRawPath() == null ? "" : base.getRawPath()))
            .replaceAll("/+$", "");
    this.schemas = schemas;
    this.concurrency = concurrency;
  }

  /**
   * Rejects counts the scenario cannot run with, before its registry is known.
   *
   * @throws IllegalArgumentException naming the option
   */
  public static void checkOptions(int schemas, int concurrency) {
    requirePositive(schemas, "--schemas");
    requirePositive(concurrency, "--concurrency");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean usesKafka() {
    return false;
  }

  @Override
  public String target() {
    return "the schema registry at " + registryUrl;
  }

  @Override
  public String unit() {
    return "requests";
  }

  @Override
  public Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("registryUrl", registryUrl);
    settings.put("schemas", schemas);
    settings.put("concurrency", concurrency);
    return settings;
  }

  /**
   * The average size of the answers' bodies when the registry answers as Tideway's and Confluent's
   * do, {@code {"schema":"…"}}: the record size of this scenario, so that MB/sec counts answer
   * bytes.
   *
   * @throws IllegalArgumentException when {@code schemas} is not positive
   */
  public static int answerBytes(int schemas) {
    requirePositive(schemas, "--schemas");
    long total = 0;
    for (int i = 0; i < schemas; i++) {
      try {
        total += JSON.writeValueAsBytes(Map.of("schema", schema(i).toString())).length;
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return (int) Math.round((double) total / schemas);
  }

  /** The subject schema {@code index} is registered under. */
  static String subject(int index) {
    return SUBJECT_PREFIX + index + "-value";
  }

  /**
   * Schema {@code index}: an event of typical shape (logical types, an enum, a union, an array),
   * different for every index.
   */
  static Schema schema(int index) {
    String text =
        """
        {"type": "record", "name": "Event%1$d", "namespace": "io.tideway.loadtest.registry",
         "doc": "Schema %1$d of the registry load test.",
         "fields": [
          {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
          {"name": "occurredAt", "type": {"type": "long", "logicalType": "timestamp-millis"}},
          {"name": "customerId", "type": {"type": "string", "logicalType": "uuid"}},
          {"name": "amount",
           "type": {"type": "bytes", "logicalType": "decimal", "precision": 19, "scale": 2}},
          {"name": "quantity", "type": "int"},
          {"name": "status",
           "type": {"type": "enum", "name": "Status%1$d", "symbols": ["OPEN", "DONE", "CANCELLED"]}},
          {"name": "note", "type": ["null", "string"], "default": null},
          {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []}
         ]}
        """
            .formatted(index);
    return new Schema.Parser().parse(text);
  }

  @Override
  public Workload start(RunContext context) throws LoadTestException, InterruptedException {
    // The JDK's client for the few set-up calls; the measured requests go through HttpGets.
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(HttpGets.CONNECT_TIMEOUT)
            .build();
    List<URI> uris = new ArrayList<>();
    for (int i = 0; i < schemas; i++) {
      int id = register(client, i);
      URI uri = URI.create(registryUrl + "/schemas/ids/" + id);
      // Once each before the run: a registry that answers an id with another schema, or not at
      // all, is not worth measuring.
      requireSchema(client, authorized(HttpRequest.newBuilder(uri)).GET().build(), i);
      uris.add(uri);
    }
    Map<String, String> headers = new HashMap<>();
    headers.put("Accept", CONTENT_TYPE);
    if (authorization != null) {
      headers.put("Authorization", authorization);
    }
    return new HttpGets(uris, headers, concurrency, context);
  }

  private int register(HttpClient client, int index)
      throws LoadTestException, InterruptedException {
    String subject = subject(index);
    HttpRequest request;
    try {
      request =
          authorized(
                  HttpRequest.newBuilder(
                      new URI(registryUrl + "/subjects/" + subject + "/versions")))
              .header("Content-Type", CONTENT_TYPE)
              .POST(
                  HttpRequest.BodyPublishers.ofByteArray(
                      JSON.writeValueAsBytes(Map.of("schema", schema(index).toString()))))
              .build();
    } catch (URISyntaxException | IOException e) {
      throw new IllegalStateException(e);
    }
    HttpResponse<byte[]> response = exchange(client, request);
    if (response.statusCode() != 200) {
      throw new LoadTestException(
          "Could not register the load test's schemas: " + unexpected(request, response));
    }
    JsonNode id = readJson(request, response).get("id");
    if (id == null || !id.canConvertToInt()) {
      throw new LoadTestException(
          describe(request) + " answered no schema id: " + HttpGets.shown(response.body()));
    }
    return id.asInt();
  }

  private void requireSchema(HttpClient client, HttpRequest request, int index)
      throws LoadTestException, InterruptedException {
    HttpResponse<byte[]> response = exchange(client, request);
    if (response.statusCode() != 200) {
      throw new LoadTestException(unexpected(request, response));
    }
    JsonNode schema = readJson(request, response).get("schema");
    boolean same;
    try {
      same = schema != null && new Schema.Parser().parse(schema.asText()).equals(schema(index));
    } catch (RuntimeException e) {
      same = false;
    }
    if (!same) {
      throw new LoadTestException(
          describe(request)
              + " answered another schema than the one registered under "
              + subject(index)
              + ": "
              + HttpGets.shown(response.body()));
    }
  }

  private HttpResponse<byte[]> exchange(HttpClient client, HttpRequest request)
      throws LoadTestException, InterruptedException {
    try {
      return client.send(request, BodyHandlers.ofByteArray());
    } catch (ConnectException e) {
      throw new LoadTestException(
          "The schema registry at "
              + registryUrl
              + " did not answer: is it running, and is that its address? ("
              + HttpGets.rootMessage(e)
              + ")",
          e);
    } catch (IOException e) {
      throw new LoadTestException(describe(request) + " failed: " + HttpGets.rootMessage(e), e);
    }
  }

  private static JsonNode readJson(HttpRequest request, HttpResponse<byte[]> response)
      throws LoadTestException {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new LoadTestException(
          describe(request)
              + " answered something other than JSON: "
              + HttpGets.shown(response.body()),
          e);
    }
  }

  static String unexpected(HttpRequest request, HttpResponse<byte[]> response) {
    return describe(request)
        + " answered "
        + response.statusCode()
        + " instead of 200: "
        + HttpGets.shown(response.body());
  }

  /** A request with the headers every request of the scenario carries. */
  private HttpRequest.Builder authorized(HttpRequest.Builder request) {
    request.header("Accept", CONTENT_TYPE).timeout(HttpGets.REQUEST_TIMEOUT);
    return authorization == null ? request : request.header("Authorization", authorization);
  }

  private static String describe(HttpRequest request) {
    return request.method() + " " + request.uri().getRawPath();
  }

  private static URI baseUrl(String url) {
    URI uri;
    try {
      uri = url == null ? null : new URI(url.trim());
    } catch (URISyntaxException e) {
      uri = null;
    }
    String scheme = uri == null ? null : uri.getScheme();
    if (scheme == null
        || !(scheme.toLowerCase(Locale.ROOT).equals("http")
            || scheme.toLowerCase(Locale.ROOT).equals("https"))
        || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "--registry-url must be an http:// or https:// URL, e.g. http://127.0.0.1:8081");
    }
    return uri;
  }

  private static int requirePositive(int value, String option) {
    if (value <= 0) {
      throw new IllegalArgumentException(option + " must be positive (was " + value + ")");
    }
    return value;
  }
}
