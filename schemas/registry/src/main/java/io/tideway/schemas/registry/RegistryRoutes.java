package io.tideway.schemas.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.tideway.schemas.client.CompatibilityLevel;
import io.tideway.schemas.client.RegistryEvent;
import io.tideway.schemas.client.RegistryEvent.CompatibilityCleared;
import io.tideway.schemas.client.RegistryEvent.CompatibilitySet;
import io.tideway.schemas.client.RegistryEvent.ModeCleared;
import io.tideway.schemas.client.RegistryException;
import io.tideway.schemas.client.RegistryMode;
import io.tideway.schemas.client.RegistryState;
import io.tideway.schemas.client.RegistryState.Registration;
import io.tideway.schemas.client.SchemaVersion;
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
import io.tideway.schemas.client.rest.RegistryApi.SubjectVersion;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API: the subset of Confluent Schema Registry's REST API that Tideway serves, with its
 * paths, bodies, content type and error codes. Every rule is {@link RegistryState}'s; this class
 * only translates between HTTP and the {@link SchemaStore}.
 */
final class RegistryRoutes {

  /** Confluent's code for a body it cannot read at all. */
  static final int UNPROCESSABLE_ENTITY = 422;

  /** Confluent's code for a request without the credentials of a known user. */
  static final int UNAUTHORIZED = 401;

  /** Confluent's code for an operation the user's role does not allow. */
  static final int FORBIDDEN = 40301;

  /** The request's attribute holding its user's role. */
  private static final String ROLE = "tideway.registry.role";

  private static final Setting LEVEL_SETTING =
      new Setting("compatibility", RegistryException.SUBJECT_LEVEL_NOT_CONFIGURED);
  private static final Setting MODE_SETTING =
      new Setting("mode", RegistryException.SUBJECT_MODE_NOT_CONFIGURED);

  private static final Logger log = LoggerFactory.getLogger(RegistryRoutes.class);
  private static final String HEALTH_CONTENT_TYPE = "application/json";
  private static final Set<String> ACCEPTED_BODY_TYPES =
      Set.of(
          RegistryApi.CONTENT_TYPE,
          "application/vnd.schemaregistry+json",
          "application/json",
          "application/octet-stream");

  private final SchemaStore store;
  private final RegistryMetrics metrics;
  private final RegistryUsers users;
  private final ObjectMapper json = new ObjectMapper();

  /**
   * The answers of {@code GET /schemas/ids/{id}}, ready to send: an id, once bound, stays bound to
   * its schema, so they never go stale, and the hot path neither locks nor encodes.
   */
  private final Map<Integer, byte[]> schemaAnswers = new ConcurrentHashMap<>();

  /**
   * @param users who may use the registry; null lets anyone in
   */
  RegistryRoutes(SchemaStore store, RegistryMetrics metrics, RegistryUsers users) {
    this.store = store;
    this.metrics = metrics;
    this.users = users;
  }

  void install(JavalinConfig config) {
    config.http.defaultContentType = RegistryApi.CONTENT_TYPE;
    config.http.prefer405over404 = true;
    var routes = config.routes;
    routes.beforeMatched(this::authenticate);
    routes.beforeMatched(this::checkBodyType);

    routes.get("/", ctx -> answer(ctx, Map.of()));
    routes.get("/subjects", this::subjects);
    routes.get("/subjects/{subject}/versions", this::versions);
    routes.post("/subjects/{subject}/versions", this::register);
    routes.get("/subjects/{subject}/versions/{version}", this::version);
    routes.get("/subjects/{subject}/versions/{version}/schema", this::versionSchema);
    // No schema references here: a version that exists is referenced by none.
    routes.get(
        "/subjects/{subject}/versions/{version}/referencedby",
        ctx -> {
          findVersion(ctx);
          answer(ctx, List.of());
        });
    routes.delete("/subjects/{subject}/versions/{version}", this::deleteVersion);
    routes.post("/subjects/{subject}", this::lookup);
    routes.delete("/subjects/{subject}", this::deleteSubject);

    routes.get("/schemas", this::schemas);
    routes.get("/schemas/ids/{id}", this::schemaById);
    routes.get(
        "/schemas/ids/{id}/schema",
        ctx -> {
          int id = id(ctx);
          String schema = store.readFresh(state -> state.schemaById(id));
          ctx.contentType(RegistryApi.CONTENT_TYPE).result(schema);
        });
    routes.get("/schemas/ids/{id}/subjects", this::subjectsOfId);
    routes.get("/schemas/ids/{id}/versions", this::versionsOfId);
    routes.get("/schemas/types", ctx -> answer(ctx, List.of(RegistryApi.AVRO)));
    routes.get("/contexts", ctx -> answer(ctx, List.of(".")));

    routes.post("/compatibility/subjects/{subject}/versions/{version}", this::checkCompatibility);
    routes.post("/compatibility/subjects/{subject}/versions", this::checkCompatibility);

    routes.get("/config", this::globalLevel);
    routes.put("/config", this::setGlobalLevel);
    routes.delete("/config", this::clearGlobalLevel);
    routes.get("/config/{subject}", this::subjectLevel);
    routes.put("/config/{subject}", this::setSubjectLevel);
    routes.delete("/config/{subject}", this::clearSubjectLevel);

    routes.get("/mode", this::globalMode);
    routes.put("/mode", this::setGlobalMode);
    routes.get("/mode/{subject}", this::subjectMode);
    routes.put("/mode/{subject}", this::setSubjectMode);
    routes.delete("/mode/{subject}", this::clearSubjectMode);

    routes.get("/health/live", ctx -> health(ctx, true));
    routes.get("/health/ready", ctx -> health(ctx, store.ready()));
    routes.get(
        "/metrics", ctx -> ctx.contentType(RegistryMetrics.CONTENT_TYPE).result(metrics.scrape()));

    routes.exception(
        RegistryException.class,
        (e, ctx) -> error(ctx, e.httpStatus(), e.errorCode(), e.getMessage()));
    routes.exception(
        HttpResponseException.class,
        (e, ctx) -> error(ctx, e.getStatus(), e.getStatus(), statusLine(e.getStatus())));
    routes.exception(
        Exception.class,
        (e, ctx) -> {
          log.error("Failed to answer {} {}", ctx.method(), ctx.path(), e);
          error(ctx, 500, RegistryException.STORE_ERROR, "Internal server error");
        });
  }

  // ---- subjects and versions

  private void subjects(Context ctx) {
    boolean deleted = flag(ctx, "deleted");
    String prefix = subjectPrefix(ctx);
    answer(
        ctx,
        store.read(
            state ->
                state.subjects(deleted).stream().filter(name -> name.startsWith(prefix)).toList()));
  }

  private void schemas(Context ctx) {
    String prefix = subjectPrefix(ctx);
    boolean deleted = flag(ctx, "deleted");
    boolean latestOnly = flag(ctx, "latestOnly");
    answer(
        ctx,
        store.read(state -> state.schemas(prefix, deleted, latestOnly)).stream()
            .map(RegistryRoutes::subjectSchema)
            .toList());
  }

  /** Confluent's {@code subjectPrefix}; its {@code :*:} (every context) is every subject here. */
  private static String subjectPrefix(Context ctx) {
    String prefix = ctx.queryParam("subjectPrefix");
    return prefix == null || prefix.equals(":*:") ? "" : prefix;
  }

  private void versions(Context ctx) {
    String subject = ctx.pathParam("subject");
    boolean deleted = flag(ctx, "deleted");
    answer(ctx, store.readFresh(state -> state.versions(subject, deleted)));
  }

  private void version(Context ctx) {
    answer(ctx, subjectSchema(findVersion(ctx)));
  }

  private void versionSchema(Context ctx) {
    ctx.contentType(RegistryApi.CONTENT_TYPE).result(findVersion(ctx).schema());
  }

  private SchemaVersion findVersion(Context ctx) {
    String subject = ctx.pathParam("subject");
    String version = ctx.pathParam("version");
    boolean deleted = flag(ctx, "deleted");
    return store.readFresh(state -> state.version(subject, version, deleted));
  }

  private void register(Context ctx) {
    String subject = ctx.pathParam("subject");
    SchemaRequest request = schemaRequest(ctx);
    // A negative id is no id, as in Confluent's.
    if (request.id() != null && request.id() >= 0) {
      importSchema(ctx, subject, request);
      return;
    }
    String schema = request.schema();
    // Registering what is already there is the common case (every serializer at start-up): it is
    // answered locally, without a write. A schema registered once stays registered until deleted.
    Optional<Integer> existing =
        store.read(
            state -> {
              try {
                return Optional.of(state.lookup(subject, schema, false).id());
              } catch (RegistryException e) {
                return Optional.empty();
              }
            });
    if (existing.isPresent()) {
      metrics.registered(false);
      answer(ctx, new RegisteredId(existing.get()));
      return;
    }
    if (ctx.attribute(ROLE) == RegistryUsers.Role.READER) {
      // Registered a moment ago through another instance, maybe: looked for again, caught up.
      int id;
      try {
        id = store.readFresh(state -> state.lookup(subject, schema, false).id());
      } catch (RegistryException notFound) {
        if (notFound.httpStatus() != 404) {
          throw notFound;
        }
        throw forbidden(ctx, "register a new schema under subject '" + subject + "'");
      }
      metrics.registered(false);
      answer(ctx, new RegisteredId(id));
      return;
    }
    Registration registration =
        store.write(
            state -> {
              Registration r = state.planRegistration(subject, schema);
              return new SchemaStore.Decision<>(r.events(), r);
            });
    metrics.registered(!registration.events().isEmpty());
    answer(ctx, new RegisteredId(registration.id()));
  }

  /** A registration with the id (and version) the schema had in another registry. */
  private void importSchema(Context ctx, String subject, SchemaRequest request) {
    if (ctx.attribute(ROLE) == RegistryUsers.Role.READER) {
      throw forbidden(ctx, "import a schema under subject '" + subject + "'");
    }
    Registration registration =
        store.write(
            state -> {
              Registration r =
                  state.planImport(subject, request.schema(), request.id(), request.version());
              return new SchemaStore.Decision<>(r.events(), r);
            });
    metrics.registered(!registration.events().isEmpty());
    answer(ctx, new RegisteredId(registration.id()));
  }

  private void lookup(Context ctx) {
    String subject = ctx.pathParam("subject");
    String schema = schemaOf(ctx);
    boolean deleted = flag(ctx, "deleted");
    answer(ctx, subjectSchema(store.readFresh(state -> state.lookup(subject, schema, deleted))));
  }

  private void deleteSubject(Context ctx) {
    String subject = ctx.pathParam("subject");
    boolean permanent = flag(ctx, "permanent");
    List<Integer> versions =
        store.write(
            state -> {
              List<RegistryEvent> events = state.planSubjectDeletion(subject, permanent);
              return new SchemaStore.Decision<>(events, RegistryState.versionsDeleted(events));
            });
    answer(ctx, versions);
  }

  private void deleteVersion(Context ctx) {
    String subject = ctx.pathParam("subject");
    String version = ctx.pathParam("version");
    boolean permanent = flag(ctx, "permanent");
    int deleted =
        store.write(
            state -> {
              List<RegistryEvent> events = state.planVersionDeletion(subject, version, permanent);
              return new SchemaStore.Decision<>(
                  events, RegistryState.versionsDeleted(events).get(0));
            });
    answer(ctx, deleted);
  }

  // ---- schemas by id

  private void schemaById(Context ctx) {
    metrics.lookedUpById();
    int id = id(ctx);
    byte[] body = schemaAnswers.get(id);
    if (body == null) {
      String schema = store.readFresh(state -> state.schemaById(id));
      body = bytes(new SchemaText(schema, null));
      schemaAnswers.putIfAbsent(id, body);
    }
    ctx.contentType(RegistryApi.CONTENT_TYPE).result(body);
  }

  private void subjectsOfId(Context ctx) {
    int id = id(ctx);
    boolean deleted = flag(ctx, "deleted");
    List<SchemaVersion> versions = store.readFresh(state -> state.versionsOf(id, deleted));
    answer(ctx, versions.stream().map(SchemaVersion::subject).distinct().sorted().toList());
  }

  private void versionsOfId(Context ctx) {
    int id = id(ctx);
    boolean deleted = flag(ctx, "deleted");
    List<SchemaVersion> versions = store.readFresh(state -> state.versionsOf(id, deleted));
    answer(ctx, versions.stream().map(v -> new SubjectVersion(v.subject(), v.version())).toList());
  }

  private static int id(Context ctx) {
    String text = ctx.pathParam("id");
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new RegistryException(
          404, RegistryException.SCHEMA_NOT_FOUND, "Schema " + text + " not found.");
    }
  }

  // ---- compatibility

  private void checkCompatibility(Context ctx) {
    String subject = ctx.pathParam("subject");
    String version = ctx.pathParamMap().get("version");
    String schema = schemaOf(ctx);
    boolean verbose = flag(ctx, "verbose");
    List<String> problems =
        store.readFresh(state -> state.checkCompatibility(subject, version, schema));
    answer(ctx, new CompatibilityResult(problems.isEmpty(), verbose ? problems : null));
  }

  // ---- compatibility levels

  private void globalLevel(Context ctx) {
    answer(ctx, new ConfigLevel(store.read(RegistryState::globalLevel).name()));
  }

  private void setGlobalLevel(Context ctx) {
    answer(ctx, setLevel(null, levelOf(ctx)));
  }

  /** Back to the default level, as Confluent's; answers with the level it replaced. */
  private void clearGlobalLevel(Context ctx) {
    CompatibilityLevel removed =
        store.write(
            state -> {
              state.refuseIfReadOnly(null);
              return new SchemaStore.Decision<>(
                  List.<RegistryEvent>of(new CompatibilityCleared(null)), state.globalLevel());
            });
    answer(ctx, new ConfigLevel(removed.name()));
  }

  private void subjectLevel(Context ctx) {
    CompatibilityLevel level =
        subjectSetting(
            ctx, RegistryState::subjectLevel, RegistryState::effectiveLevel, LEVEL_SETTING);
    answer(ctx, new ConfigLevel(level.name()));
  }

  private void setSubjectLevel(Context ctx) {
    answer(ctx, setLevel(ctx.pathParam("subject"), levelOf(ctx)));
  }

  private ConfigUpdate setLevel(String subject, CompatibilityLevel level) {
    store.write(
        state -> {
          state.refuseIfReadOnly(subject);
          Optional<CompatibilityLevel> current =
              subject == null ? Optional.of(state.globalLevel()) : state.subjectLevel(subject);
          List<RegistryEvent> events =
              current.equals(Optional.of(level))
                  ? List.of()
                  : List.of(new CompatibilitySet(subject, level));
          return new SchemaStore.Decision<>(events, level);
        });
    return new ConfigUpdate(level.name());
  }

  private void clearSubjectLevel(Context ctx) {
    String subject = ctx.pathParam("subject");
    CompatibilityLevel removed =
        clearSubjectSetting(
            subject, RegistryState::subjectLevel, new CompatibilityCleared(subject), true);
    answer(ctx, new ConfigLevel(removed.name()));
  }

  /**
   * A subject's own setting ({@code GET /config/{subject}}, {@code GET /mode/{subject}}): 404 when
   * it has none, unless asked with {@code defaultToGlobal=true} for the one in force for it.
   */
  private <T> T subjectSetting(
      Context ctx,
      BiFunction<RegistryState, String, Optional<T>> own,
      BiFunction<RegistryState, String, T> inForce,
      Setting setting) {
    String subject = ctx.pathParam("subject");
    boolean defaultToGlobal = flag(ctx, "defaultToGlobal");
    return store.read(
        state ->
            defaultToGlobal
                ? inForce.apply(state, subject)
                : own.apply(state, subject)
                    .orElseThrow(
                        () ->
                            new RegistryException(
                                404,
                                setting.notConfigured(),
                                "Subject '"
                                    + subject
                                    + "' does not have subject-level "
                                    + setting.name()
                                    + " configured")));
  }

  /**
   * Removes a subject's own setting, answering with it; 404 (40401) when it has none, as
   * Confluent's.
   *
   * @param onlyWritable whether read-only mode refuses it
   */
  private <T> T clearSubjectSetting(
      String subject,
      BiFunction<RegistryState, String, Optional<T>> own,
      RegistryEvent clearing,
      boolean onlyWritable) {
    return store.write(
        state -> {
          if (onlyWritable) {
            state.refuseIfReadOnly(subject);
          }
          T current =
              own.apply(state, subject)
                  .orElseThrow(
                      () ->
                          new RegistryException(
                              404,
                              RegistryException.SUBJECT_NOT_FOUND,
                              "Subject '" + subject + "' not found."));
          return new SchemaStore.Decision<>(List.of(clearing), current);
        });
  }

  /** A per-subject setting: what Confluent calls it in errors, and its code when missing. */
  private record Setting(String name, int notConfigured) {}

  // ---- modes

  private void globalMode(Context ctx) {
    answer(ctx, new ModeBody(store.read(RegistryState::globalMode).name()));
  }

  private void setGlobalMode(Context ctx) {
    answer(ctx, setMode(null, modeOf(ctx), flag(ctx, "force")));
  }

  private void subjectMode(Context ctx) {
    RegistryMode mode =
        subjectSetting(ctx, RegistryState::subjectMode, RegistryState::effectiveMode, MODE_SETTING);
    answer(ctx, new ModeBody(mode.name()));
  }

  private void setSubjectMode(Context ctx) {
    answer(ctx, setMode(ctx.pathParam("subject"), modeOf(ctx), flag(ctx, "force")));
  }

  private ModeBody setMode(String subject, RegistryMode mode, boolean force) {
    store.write(
        state -> new SchemaStore.Decision<>(state.planModeChange(subject, mode, force), mode));
    return new ModeBody(mode.name());
  }

  /** Removes a subject's own mode; answers with the mode it removed. */
  private void clearSubjectMode(Context ctx) {
    String subject = ctx.pathParam("subject");
    RegistryMode removed =
        clearSubjectSetting(subject, RegistryState::subjectMode, new ModeCleared(subject), false);
    answer(ctx, new ModeBody(removed.name()));
  }

  private RegistryMode modeOf(Context ctx) {
    return RegistryMode.parse(body(ctx, ModeBody.class).mode());
  }

  private CompatibilityLevel levelOf(Context ctx) {
    ConfigUpdate update = body(ctx, ConfigUpdate.class);
    if (update.compatibility() == null) {
      // Confluent's accepts other settings alone (normalize, rule sets); this registry has none.
      throw new RegistryException(
          422,
          RegistryException.INVALID_COMPATIBILITY_LEVEL,
          "The body sets no compatibility level: the only setting this registry keeps, as in"
              + " {\"compatibility\":\"BACKWARD\"}");
    }
    return CompatibilityLevel.parse(update.compatibility());
  }

  // ---- request bodies

  /**
   * Refuses a request without the credentials of a known user ({@code 401}, with the Basic
   * challenge), and a reader's deletions and changes of compatibility levels ({@code 403}); a
   * reader's registration is refused in {@link #register} unless the schema is already there.
   * Health and metrics stay open, for probes and scrapers.
   */
  private void authenticate(Context ctx) {
    if (users == null || ctx.path().startsWith("/health/") || ctx.path().equals("/metrics")) {
      return;
    }
    RegistryUsers.Role role = users.role(ctx.header("Authorization"));
    if (role == null) {
      metrics.refused("unauthenticated");
      ctx.header("WWW-Authenticate", "Basic realm=\"schema-registry\", charset=\"UTF-8\"");
      throw new RegistryException(
          401, UNAUTHORIZED, "Unauthorized: this registry needs the credentials of a user");
    }
    ctx.attribute(ROLE, role);
    if (role == RegistryUsers.Role.READER
        && (ctx.method().equals(HandlerType.DELETE) || ctx.method().equals(HandlerType.PUT))) {
      throw forbidden(ctx, ctx.method() + " " + ctx.path());
    }
  }

  private RegistryException forbidden(Context ctx, String what) {
    metrics.refused("forbidden");
    log.warn("A reader was refused: {} {}", ctx.method(), ctx.path());
    return new RegistryException(
        403, FORBIDDEN, "User is denied operation: a reader cannot " + what + "; a writer can");
  }

  private void checkBodyType(Context ctx) {
    if (!ctx.method().equals(HandlerType.POST) && !ctx.method().equals(HandlerType.PUT)) {
      return;
    }
    String type = ctx.contentType();
    if (type == null || type.isBlank()) {
      return; // read as application/octet-stream, as Confluent does
    }
    String mediaType = type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!ACCEPTED_BODY_TYPES.contains(mediaType)) {
      throw new RegistryException(415, 415, statusLine(415));
    }
  }

  /**
   * The schema text of a request, checked to be a valid Avro schema without references. Checking
   * here, before any lock or write, answers an invalid schema without touching the store.
   */
  private String schemaOf(Context ctx) {
    return schemaRequest(ctx).schema();
  }

  /** The request of {@link #schemaOf}, with the id and version of an import. */
  private SchemaRequest schemaRequest(Context ctx) {
    SchemaRequest request = body(ctx, SchemaRequest.class);
    if (request.schemaType() != null && !RegistryApi.AVRO.equalsIgnoreCase(request.schemaType())) {
      throw invalidSchema(
          "schema type " + request.schemaType() + " is not supported; this registry serves AVRO");
    }
    if (request.references() != null && !request.references().isEmpty()) {
      throw invalidSchema("schema references are not supported");
    }
    if (request.schema() == null || request.schema().isBlank()) {
      throw invalidSchema("the request has no schema");
    }
    RegistryState.parse(request.schema());
    return request;
  }

  private <T> T body(Context ctx, Class<T> type) {
    T body;
    try {
      body = json.readValue(ctx.bodyAsBytes(), type);
    } catch (IOException e) {
      throw new RegistryException(
          422, UNPROCESSABLE_ENTITY, "Unprocessable entity: the body is not " + describe(type));
    }
    if (body == null) {
      throw new RegistryException(
          422, UNPROCESSABLE_ENTITY, "Unprocessable entity: the body is not " + describe(type));
    }
    return body;
  }

  private static String describe(Class<?> type) {
    if (type == ConfigUpdate.class) {
      return "a JSON object like {\"compatibility\":\"BACKWARD\"}";
    }
    return type == ModeBody.class
        ? "a JSON object like {\"mode\":\"READONLY\"}"
        : "a JSON object like {\"schema\":\"...\"}";
  }

  private static RegistryException invalidSchema(String reason) {
    return new RegistryException(
        422, RegistryException.INVALID_SCHEMA, "Invalid schema: " + reason);
  }

  // ---- answers

  private static SubjectSchema subjectSchema(SchemaVersion v) {
    return new SubjectSchema(v.subject(), v.version(), v.id(), null, v.schema());
  }

  private void answer(Context ctx, Object body) {
    ctx.contentType(RegistryApi.CONTENT_TYPE).result(bytes(body));
  }

  private void health(Context ctx, boolean up) {
    ctx.status(up ? 200 : 503)
        .contentType(HEALTH_CONTENT_TYPE)
        .result(up ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}");
  }

  private void error(Context ctx, int status, int errorCode, String message) {
    ctx.status(status)
        .contentType(RegistryApi.CONTENT_TYPE)
        .result(bytes(new ErrorBody(errorCode, message)));
  }

  private byte[] bytes(Object body) {
    try {
      return json.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write an answer", e);
    }
  }

  private static boolean flag(Context ctx, String name) {
    return Boolean.parseBoolean(ctx.queryParam(name));
  }

  private static String statusLine(int status) {
    return "HTTP " + status + " " + HttpStatus.forStatus(status).getMessage();
  }
}
