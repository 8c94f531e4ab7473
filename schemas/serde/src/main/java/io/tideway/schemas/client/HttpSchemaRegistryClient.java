package io.tideway.schemas.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.schemas.client.rest.RegistryApi;
import io.tideway.schemas.client.rest.RegistryApi.CompatibilityResult;
import io.tideway.schemas.client.rest.RegistryApi.ConfigLevel;
import io.tideway.schemas.client.rest.RegistryApi.ConfigUpdate;
import io.tideway.schemas.client.rest.RegistryApi.ErrorBody;
import io.tideway.schemas.client.rest.RegistryApi.ModeBody;
import io.tideway.schemas.client.rest.RegistryApi.RegisteredId;
import io.tideway.schemas.client.rest.RegistryApi.SchemaRequest;
import io.tideway.schemas.client.rest.RegistryApi.SchemaText;
import io.tideway.schemas.client.rest.RegistryApi.SubjectSchema;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of a schema registry's REST API in Confluent's dialect, which Tideway's registry,
 * Confluent Schema Registry, Apicurio's {@code ccompat} API and Karapace all serve. Uses the JDK's
 * HTTP client, sends and accepts {@value RegistryApi#CONTENT_TYPE}.
 *
 * <p>Several base URLs may be given: a connection failure moves on to the next one, and the one
 * that last answered is tried first. Credentials in a URL's user part ({@code
 * https://user:secret@host}) are sent as HTTP basic authentication and never appear in messages.
 *
 * <p>Never hangs: connecting and each whole exchange are bounded by {@link Settings}; connection
 * failures, timeouts and 5xx answers are retried a bounded number of times with a doubling pause.
 * Then it fails with a {@link RegistryException} naming the URL: {@link
 * RegistryException#STORE_ERROR} (HTTP status 503) when the registry could not be reached, {@link
 * RegistryException#STORE_TIMEOUT} (504) when it did not answer in time, or the registry's own
 * status and code for a 5xx answer. Any other error answer ({@code {"error_code":40401,
 * "message":"…"}}) fails at once with its status, code and message.
 *
 * <p>Caches nothing: wrap it in a {@link CachedSchemaRegistryClient} for the serde. Thread-safe.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {

  private static final Logger LOG = LoggerFactory.getLogger(HttpSchemaRegistryClient.class);

  private static final String ACCEPT =
      RegistryApi.CONTENT_TYPE
          + ", application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";

  /** Confluent's answer to a subject-level config read when the subject has none of its own. */
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final List<Endpoint> endpoints;
  private final Settings settings;
  private final String url;
  private final ExecutorService executor;
  private final HttpClient http;
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private volatile int preferred;

  /**
   * How long to wait and how often to retry.
   *
   * @param connectTimeout the longest wait to open a connection
   * @param requestTimeout the longest wait for one whole exchange, connecting included
   * @param maxRetries how many times a failed request is retried: {@code maxRetries + 1} attempts
   * @param retryWait the pause before the first retry; it doubles for each further retry
   * @param maxRetryWait the longest pause between retries
   */
  public record Settings(
      Duration connectTimeout,
      Duration requestTimeout,
      int maxRetries,
      Duration retryWait,
      Duration maxRetryWait) {

    /** 5 s to connect, 10 s per exchange, 3 attempts with pauses of 100 ms and 200 ms. */
    public static final Settings DEFAULTS =
        new Settings(
            Duration.ofSeconds(5),
            Duration.ofSeconds(10),
            2,
            Duration.ofMillis(100),
            Duration.ofMillis(400));

    /** Validates the settings. */
    public Settings {
      requirePositive(connectTimeout, "connectTimeout");
      requirePositive(requestTimeout, "requestTimeout");
      if (maxRetries < 0) {
        throw new IllegalArgumentException("maxRetries must be 0 or more, not " + maxRetries);
      }
      if (retryWait == null || retryWait.isNegative()) {
        throw new IllegalArgumentException("retryWait must be 0 or more, not " + retryWait);
      }
      if (maxRetryWait == null || maxRetryWait.compareTo(retryWait) < 0) {
        throw new IllegalArgumentException(
            "maxRetryWait must be at least retryWait (" + retryWait + "), not " + maxRetryWait);
      }
    }

    /** These settings with other timeouts. */
    public Settings withTimeouts(Duration connectTimeout, Duration requestTimeout) {
      return new Settings(connectTimeout, requestTimeout, maxRetries, retryWait, maxRetryWait);
    }

    /** These settings with other retries. */
    public Settings withRetries(int maxRetries, Duration retryWait, Duration maxRetryWait) {
      return new Settings(connectTimeout, requestTimeout, maxRetries, retryWait, maxRetryWait);
    }

    private static void requirePositive(Duration d, String name) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, not " + d);
      }
    }

    Duration pauseBeforeRetry(int retry) {
      Duration pause = retryWait;
      for (int i = 1; i < retry && pause.compareTo(maxRetryWait) < 0; i++) {
        pause = pause.multipliedBy(2);
      }
      return pause.compareTo(maxRetryWait) > 0 ? maxRetryWait : pause;
    }
  }

  /**
   * A client with {@link Settings#DEFAULTS}.
   *
   * @param urls one base URL or several, comma-separated, as in {@code schema.registry.url}
   */
  public HttpSchemaRegistryClient(String urls) {
    this(urls, Settings.DEFAULTS);
  }

  /**
   * @param urls one base URL or several, comma-separated, as in {@code schema.registry.url}
   * @param settings timeouts and retries
   * @throws IllegalArgumentException when there is no URL or one is not http(s)
   */
  public HttpSchemaRegistryClient(String urls, Settings settings) {
    this(urls == null ? List.of() : Arrays.asList(urls.split(",")), settings);
  }

  /**
   * @param urls the base URLs, tried in order
   * @param settings timeouts and retries
   * @throws IllegalArgumentException when there is no URL or one is not http(s)
   */
  public HttpSchemaRegistryClient(List<String> urls, Settings settings) {
    this(urls, settings, null);
  }

  /**
   * @param urls the base URLs, tried in order
   * @param settings timeouts and retries
   * @param basicAuthUserInfo {@code user:password} sent to every URL as basic authentication, in
   *     place of any in the URLs; null for what the URLs carry
   * @throws IllegalArgumentException when there is no URL or one is not http(s)
   */
  public HttpSchemaRegistryClient(List<String> urls, Settings settings, String basicAuthUserInfo) {
    List<Endpoint> parsed = new ArrayList<>();
    for (String u : urls) {
      if (!u.isBlank()) {
        Endpoint endpoint = Endpoint.parse(u.trim());
        parsed.add(
            basicAuthUserInfo == null
                ? endpoint
                : new Endpoint(endpoint.base(), endpoint.display(), basic(basicAuthUserInfo)));
      }
    }
    if (parsed.isEmpty()) {
      throw new IllegalArgumentException("at least one schema registry URL is needed");
    }
    this.endpoints = List.copyOf(parsed);
    this.settings = settings;
    this.url = endpoints.stream().map(Endpoint::display).collect(Collectors.joining(","));
    this.executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "schema-registry-http-" + THREADS.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(settings.connectTimeout())
            .followRedirects(HttpClient.Redirect.NORMAL)
            .executor(executor)
            .build();
  }

  /** The timeouts and retries in use. */
  public Settings settings() {
    return settings;
  }

  @Override
  public int register(String subject, Schema schema) {
    RegisteredId answer =
        call(
            "POST",
            "/subjects/" + segment(subject) + "/versions",
            SchemaRequest.avro(schema.toString()),
            RegisteredId.class);
    return answer.id();
  }

  @Override
  public int id(String subject, Schema schema) {
    SubjectSchema answer =
        call(
            "POST",
            "/subjects/" + segment(subject),
            SchemaRequest.avro(schema.toString()),
            SubjectSchema.class);
    if (answer.id() == null) {
      throw unexpected("POST /subjects/" + subject, "no id in the answer");
    }
    return answer.id();
  }

  @Override
  public Schema schemaById(int id) {
    String path = "/schemas/ids/" + id;
    SchemaText answer = call("GET", path, null, SchemaText.class);
    requireAvro(answer.schemaType(), "schema id " + id);
    return parse(answer.schema(), "schema id " + id);
  }

  @Override
  public SchemaVersion latest(String subject) {
    return versionAt(subject, "latest");
  }

  @Override
  public SchemaVersion version(String subject, int version) {
    return versionAt(subject, Integer.toString(version));
  }

  /**
   * One version of a subject, a soft-deleted one too when asked.
   *
   * @param includeDeleted whether a soft-deleted version is found
   */
  public SchemaVersion version(String subject, int version, boolean includeDeleted) {
    return versionAt(subject, Integer.toString(version), includeDeleted ? "?deleted=true" : "");
  }

  private SchemaVersion versionAt(String subject, String version) {
    return versionAt(subject, version, "");
  }

  private SchemaVersion versionAt(String subject, String version, String query) {
    SubjectSchema answer =
        call(
            "GET",
            "/subjects/" + segment(subject) + "/versions/" + version + query,
            null,
            SubjectSchema.class);
    requireAvro(answer.schemaType(), "subject '" + subject + "' version " + version);
    if (answer.version() == null || answer.id() == null || answer.schema() == null) {
      throw unexpected(
          "GET /subjects/" + subject + "/versions/" + version, "version, id or schema missing");
    }
    return new SchemaVersion(
        answer.subject() == null ? subject : answer.subject(),
        answer.version(),
        answer.id(),
        answer.schema(),
        false);
  }

  @Override
  public List<String> subjects() {
    return subjects(false);
  }

  /**
   * Subject names.
   *
   * @param includeDeleted whether subjects whose every version is soft-deleted count too
   */
  public List<String> subjects(boolean includeDeleted) {
    return call(
        "GET",
        "/subjects" + (includeDeleted ? "?deleted=true" : ""),
        null,
        new TypeReference<List<String>>() {});
  }

  @Override
  public List<Integer> versions(String subject) {
    return versions(subject, false);
  }

  /**
   * A subject's version numbers.
   *
   * @param includeDeleted whether soft-deleted versions count too
   */
  public List<Integer> versions(String subject, boolean includeDeleted) {
    return call(
        "GET",
        "/subjects/" + segment(subject) + "/versions" + (includeDeleted ? "?deleted=true" : ""),
        null,
        new TypeReference<List<Integer>>() {});
  }

  @Override
  public CompatibilityLevel compatibilityOf(String subject) {
    try {
      ConfigLevel answer =
          call(
              "GET",
              "/config/" + segment(subject) + "?defaultToGlobal=true",
              null,
              ConfigLevel.class);
      return CompatibilityLevel.parse(answer.compatibilityLevel());
    } catch (RegistryException e) {
      // Registries that ignore defaultToGlobal answer "no level of its own" as 40408 or 40401.
      if (e.errorCode() == RegistryException.SUBJECT_LEVEL_NOT_CONFIGURED
          || e.errorCode() == RegistryException.SUBJECT_NOT_FOUND) {
        return globalCompatibility();
      }
      throw e;
    }
  }

  /** A subject's own compatibility level, if it has one. */
  public Optional<CompatibilityLevel> ownCompatibility(String subject) {
    return ownSetting(
        () ->
            CompatibilityLevel.parse(
                call("GET", "/config/" + segment(subject), null, ConfigLevel.class)
                    .compatibilityLevel()),
        RegistryException.SUBJECT_LEVEL_NOT_CONFIGURED);
  }

  /**
   * A subject's own setting, or none where the registry answers that it has none: with the
   * setting's own code, or as an unknown subject, as some registries do.
   */
  private static <T> Optional<T> ownSetting(Supplier<T> read, int notConfigured) {
    try {
      return Optional.of(read.get());
    } catch (RegistryException e) {
      if (e.errorCode() == notConfigured || e.errorCode() == RegistryException.SUBJECT_NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public CompatibilityLevel globalCompatibility() {
    return CompatibilityLevel.parse(
        call("GET", "/config", null, ConfigLevel.class).compatibilityLevel());
  }

  @Override
  public void setCompatibility(String subject, CompatibilityLevel level) {
    if (level == null) {
      throw RegistryException.invalidCompatibilityLevel(null);
    }
    String path = subject == null ? "/config" : "/config/" + segment(subject);
    call("PUT", path, new ConfigUpdate(level.name()), ConfigUpdate.class);
  }

  @Override
  public List<String> checkCompatibility(String subject, Schema schema) {
    CompatibilityResult answer;
    try {
      answer =
          call(
              "POST",
              // Without a version, as registration checks: every version the level covers.
              "/compatibility/subjects/" + segment(subject) + "/versions?verbose=true",
              SchemaRequest.avro(schema.toString()),
              CompatibilityResult.class);
    } catch (RegistryException e) {
      // Some registries refuse to check against a subject without versions: nothing to break.
      if (e.errorCode() == RegistryException.SUBJECT_NOT_FOUND
          || e.errorCode() == RegistryException.VERSION_NOT_FOUND) {
        return List.of();
      }
      throw e;
    }
    if (answer.compatible()) {
      return List.of();
    }
    List<String> messages = answer.messages();
    return messages == null || messages.isEmpty()
        ? List.of("incompatible with subject '" + subject + "' (the registry gave no details)")
        : List.copyOf(messages);
  }

  /**
   * Deletes one version of a subject: soft, or permanently (which needs a soft delete before).
   *
   * @return the version deleted
   */
  public int deleteVersion(String subject, int version, boolean permanent) {
    return call(
        "DELETE",
        "/subjects/"
            + segment(subject)
            + "/versions/"
            + version
            + (permanent ? "?permanent=true" : ""),
        null,
        Integer.class);
  }

  @Override
  public List<Integer> deleteSubject(String subject, boolean permanent) {
    return call(
        "DELETE",
        "/subjects/" + segment(subject) + (permanent ? "?permanent=true" : ""),
        null,
        new TypeReference<List<Integer>>() {});
  }

  /**
   * The mode in force: the global one when {@code subject} is null, else the subject's (its own, or
   * the global one).
   */
  public RegistryMode mode(String subject) {
    String path = subject == null ? "/mode" : "/mode/" + segment(subject) + "?defaultToGlobal=true";
    return RegistryMode.parse(call("GET", path, null, ModeBody.class).mode());
  }

  /** A subject's own mode, if it has one. */
  public Optional<RegistryMode> ownMode(String subject) {
    return ownSetting(
        () ->
            RegistryMode.parse(
                call("GET", "/mode/" + segment(subject), null, ModeBody.class).mode()),
        RegistryException.SUBJECT_MODE_NOT_CONFIGURED);
  }

  /** Removes a subject's own mode: the global one applies to it again. */
  public void clearMode(String subject) {
    call("DELETE", "/mode/" + segment(subject), null, ModeBody.class);
  }

  /**
   * Sets the global mode when {@code subject} is null, else the subject's own.
   *
   * @param force set {@link RegistryMode#IMPORT} even where there are schemas already
   */
  public void setMode(String subject, RegistryMode mode, boolean force) {
    String path = (subject == null ? "/mode" : "/mode/" + segment(subject)) + "?force=" + force;
    call("PUT", path, new ModeBody(mode.name()), ModeBody.class);
  }

  /**
   * Imports a schema with the id and version it had in another registry; the subject must be in
   * {@link RegistryMode#IMPORT}.
   *
   * @param schemaText the schema, as the other registry has it
   * @return the id, as the registry answers it
   */
  public int importSchema(String subject, String schemaText, int id, int version) {
    return call(
            "POST",
            "/subjects/" + segment(subject) + "/versions",
            SchemaRequest.imported(schemaText, id, version),
            RegisteredId.class)
        .id();
  }

  @Override
  public String url() {
    return url;
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return "HttpSchemaRegistryClient[" + url + "]";
  }

  // ---- exchanges

  private <T> T call(String method, String path, Object request, Class<T> answer) {
    return call(method, path, request, JSON.constructType(answer));
  }

  private <T> T call(String method, String path, Object request, TypeReference<T> answer) {
    return call(method, path, request, JSON.constructType(answer));
  }

  private <T> T call(String method, String path, Object request, JavaType answerType) {
    byte[] body;
    try {
      body = request == null ? null : JSON.writeValueAsBytes(request);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + request, e);
    }
    Answer answer = exchange(method, path, body);
    if (answer.status() < 200 || answer.status() > 299) {
      throw refusal(answer, method, path);
    }
    try {
      return JSON.readValue(answer.body(), answerType);
    } catch (IOException e) {
      throw unexpected(
          answer.endpoint(), method + " " + path, "an answer that is not the expected JSON: " + e);
    }
  }

  /** A request timeout or too many requests: the registry did not take it, as with a 503. */
  private static boolean busy(int status) {
    return status == 408 || status == 429;
  }

  /**
   * One request, retried on connection failures, timeouts, 5xx answers and those of a busy registry
   * (408, 429), as Confluent's client retries them, then given up. A DELETE that reached the
   * registry is not repeated: it may have been carried out, and a second one would answer "already
   * deleted" for a delete that succeeded.
   */
  private Answer exchange(String method, String path, byte[] body) {
    int attempts = settings.maxRetries() + 1;
    boolean repeatable = !"DELETE".equals(method);
    long started = System.nanoTime();
    Failure last = null;
    attempts:
    for (int attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        pause(settings.pauseBeforeRetry(attempt - 1), method, path);
      }
      int first = preferred;
      for (int i = 0; i < endpoints.size(); i++) {
        int index = (first + i) % endpoints.size();
        Endpoint endpoint = endpoints.get(index);
        try {
          Answer answer = send(endpoint, method, path, body);
          if (answer.status() < 500 && !busy(answer.status())) {
            preferred = index;
            return answer;
          }
          last = new Failure(endpoint, answer, null, false);
          if (!repeatable) {
            break attempts;
          }
        } catch (HttpConnectTimeoutException e) {
          last = new Failure(endpoint, null, e, false);
        } catch (HttpTimeoutException | TimeoutException e) {
          last = new Failure(endpoint, null, e, true);
          if (!repeatable) {
            break attempts;
          }
        } catch (ConnectException e) {
          last = new Failure(endpoint, null, e, false); // never reached the registry
        } catch (IOException e) {
          last = new Failure(endpoint, null, e, false);
          if (!repeatable) {
            break attempts; // lost after it was sent: it may have been carried out
          }
        }
        LOG.debug(
            "Schema registry request {} {} failed at {} (attempt {} of {}): {}",
            method,
            path,
            endpoint.display(),
            attempt,
            attempts,
            last.describe());
      }
    }
    throw last.toException(
        url, method, path, attempts, Duration.ofNanos(System.nanoTime() - started));
  }

  private Answer send(Endpoint endpoint, String method, String path, byte[] body)
      throws IOException, TimeoutException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(endpoint.base() + path))
            .timeout(settings.requestTimeout())
            .header("Accept", ACCEPT)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (body != null) {
      request.header("Content-Type", RegistryApi.CONTENT_TYPE);
    }
    if (endpoint.authorization() != null) {
      request.header("Authorization", endpoint.authorization());
    }
    // The future's own bound covers the whole exchange, body included, which the request's
    // timeout alone does not.
    CompletableFuture<HttpResponse<byte[]>> future =
        http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    try {
      HttpResponse<byte[]> response =
          future.get(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
      return new Answer(endpoint, response.statusCode(), response.body());
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    } catch (TimeoutException e) {
      future.cancel(true);
      throw e;
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new RegistryException(
          503,
          RegistryException.STORE_ERROR,
          "Interrupted while waiting for the schema registry at " + endpoint.display(),
          e);
    }
  }

  private void pause(Duration pause, String method, String path) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException(
          503,
          RegistryException.STORE_ERROR,
          "Interrupted before retrying "
              + method
              + " "
              + path
              + " at the schema registry at "
              + url,
          e);
    }
  }

  private RegistryException refusal(Answer answer, String method, String path) {
    ErrorBody error = errorBody(answer);
    int code = error != null && error.errorCode() != 0 ? error.errorCode() : answer.status();
    String message =
        error != null && error.message() != null
            ? error.message()
            : "The schema registry at "
                + answer.endpoint().display()
                + " answered "
                + method
                + " "
                + path
                + " with HTTP "
                + answer.status()
                + snippet(answer.body());
    return new RegistryException(answer.status(), code, message);
  }

  private ErrorBody errorBody(Answer answer) {
    try {
      return answer.body() == null || answer.body().length == 0
          ? null
          : JSON.readValue(answer.body(), ErrorBody.class);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private RegistryException unexpected(String request, String what) {
    return unexpected(endpoints.get(preferred), request, what);
  }

  private static RegistryException unexpected(Endpoint endpoint, String request, String what) {
    return new RegistryException(
        502,
        RegistryException.STORE_ERROR,
        "The schema registry at " + endpoint.display() + " answered " + request + " with " + what);
  }

  private void requireAvro(String schemaType, String what) {
    if (schemaType != null && !RegistryApi.AVRO.equalsIgnoreCase(schemaType)) {
      throw new RegistryException(
          422,
          RegistryException.INVALID_SCHEMA,
          "The schema registry at " + url + " holds " + what + " as " + schemaType + ", not Avro");
    }
  }

  private Schema parse(String text, String what) {
    try {
      // Lenient on defaults: a registry may hold schemas that an older Avro accepted.
      return new Schema.Parser().setValidateDefaults(false).parse(text);
    } catch (RuntimeException e) {
      throw new RegistryException(
          422,
          RegistryException.INVALID_SCHEMA,
          "The schema registry at " + url + " holds " + what + " as an invalid Avro schema: " + e,
          e);
    }
  }

  private static String snippet(byte[] body) {
    if (body == null || body.length == 0) {
      return "";
    }
    String text = new String(body, StandardCharsets.UTF_8).strip();
    return ": " + (text.length() > 200 ? text.substring(0, 200) + "…" : text);
  }

  /** Percent-encodes one path segment: subjects may hold any character. */
  static String segment(String value) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xFF);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        out.append(c);
      } else {
        out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xFF));
      }
    }
    return out.toString();
  }

  // ---- internals

  /** The basic authentication header of {@code user:password}. */
  private static String basic(String userInfo) {
    return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
  }

  private record Answer(Endpoint endpoint, int status, byte[] body) {}

  /**
   * One base URL.
   *
   * @param base the URL to prefix paths with, without credentials or a trailing slash
   * @param display the same, for messages
   * @param authorization the basic authentication header from the URL's user part, or null
   */
  private record Endpoint(String base, String display, String authorization) {

    static Endpoint parse(String text) {
      URI uri;
      try {
        uri = new URI(text);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("not a URL: " + e.getMessage(), e);
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((!scheme.equals("http") && !scheme.equals("https")) || uri.getHost() == null) {
        throw new IllegalArgumentException(
            "not an http(s) URL with a host: " + withoutUserInfo(uri));
      }
      String authorization = uri.getRawUserInfo() == null ? null : basic(uri.getUserInfo());
      String base = withoutUserInfo(uri).replaceAll("/+$", "");
      return new Endpoint(base, base, authorization);
    }

    private static String withoutUserInfo(URI uri) {
      if (uri.getRawUserInfo() == null) {
        return uri.toString();
      }
      return uri.getScheme()
          + "://"
          + uri.getRawAuthority().substring(uri.getRawAuthority().indexOf('@') + 1)
          + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }
  }

  /** Why the last attempt failed: an error answer, a timeout or an unreachable registry. */
  private record Failure(Endpoint endpoint, Answer answer, Exception error, boolean timedOut) {

    String describe() {
      if (answer != null) {
        return "HTTP " + answer.status() + " from " + endpoint.display() + snippet(answer.body());
      }
      return (timedOut ? "no answer in time from " : "no connection to ")
          + endpoint.display()
          + " ("
          + error
          + ")";
    }

    RegistryException toException(
        String registry, String method, String path, int attempts, Duration took) {
      String tried =
          method
              + " "
              + path
              + " failed "
              + attempts
              + (attempts == 1 ? " time" : " times")
              + " in "
              + took.toMillis()
              + " ms; last: "
              + describe();
      if (answer != null) {
        int code = answer.status() == 504 ? RegistryException.STORE_TIMEOUT : 0;
        try {
          ErrorBody body = JSON.readValue(answer.body(), ErrorBody.class);
          code = body.errorCode() != 0 ? body.errorCode() : code;
        } catch (IOException | RuntimeException e) {
          // no error body: keep the status's code
        }
        return new RegistryException(
            answer.status(),
            code != 0 ? code : RegistryException.STORE_ERROR,
            "The schema registry at " + registry + " failed: " + tried);
      }
      if (timedOut) {
        return new RegistryException(
            504,
            RegistryException.STORE_TIMEOUT,
            "The schema registry at " + registry + " did not answer in time: " + tried,
            error);
      }
      return new RegistryException(
          503,
          RegistryException.STORE_ERROR,
          "The schema registry at " + registry + " is unreachable: " + tried,
          error);
    }
  }
}
