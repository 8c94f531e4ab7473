package io.tideway.schemas.serde;

import io.tideway.schemas.client.CachedSchemaRegistryClient;
import io.tideway.schemas.client.HttpSchemaRegistryClient;
import io.tideway.schemas.client.MockSchemaRegistry;
import io.tideway.schemas.client.SchemaRegistryClient;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.Configurable;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The configuration of {@link AvroSerializer}, {@link AvroDeserializer} and {@link AvroSerde}, with
 * Confluent's key names, so that the same producer, consumer or Streams configuration works with
 * Confluent's serde. Keys it does not know are ignored: a whole producer configuration may be
 * passed. A missing or invalid value fails with a {@link ConfigException} naming the key.
 */
public final class AvroSerdeConfig extends AbstractConfig {

  /** Comma-separated base URLs of the registry, or {@code mock://<scope>}. Required. */
  public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";

  /** Whether the serializer registers a record's schema. */
  public static final String AUTO_REGISTER_SCHEMAS_CONFIG = "auto.register.schemas";

  /** Whether the serializer writes with the subject's latest schema. */
  public static final String USE_LATEST_VERSION_CONFIG = "use.latest.version";

  /** How long the latest version is remembered. */
  public static final String LATEST_CACHE_TTL_SEC_CONFIG = "latest.cache.ttl.sec";

  /** Whether the deserializer returns generated {@code SpecificRecord}s. */
  public static final String SPECIFIC_AVRO_READER_CONFIG = "specific.avro.reader";

  /** The generated class keys are read as, when reading specific records. */
  public static final String SPECIFIC_AVRO_KEY_TYPE_CONFIG = "specific.avro.key.type";

  /** The generated class values are read as, when reading specific records. */
  public static final String SPECIFIC_AVRO_VALUE_TYPE_CONFIG = "specific.avro.value.type";

  /** The subject name strategy of keys. */
  public static final String KEY_SUBJECT_NAME_STRATEGY_CONFIG = "key.subject.name.strategy";

  /** The subject name strategy of values. */
  public static final String VALUE_SUBJECT_NAME_STRATEGY_CONFIG = "value.subject.name.strategy";

  /** Whether generic records carry logical types as Java types. */
  public static final String AVRO_USE_LOGICAL_TYPE_CONVERTERS_CONFIG =
      "avro.use.logical.type.converters";

  /** The capacity of each of the registry client's caches. */
  public static final String MAX_SCHEMAS_PER_SUBJECT_CONFIG = "max.schemas.per.subject";

  /** The longest wait to connect to the registry. */
  public static final String CONNECT_TIMEOUT_MS_CONFIG = "schema.registry.connect.timeout.ms";

  /** The longest wait for one exchange with the registry. */
  public static final String REQUEST_TIMEOUT_MS_CONFIG = "schema.registry.request.timeout.ms";

  /** How often a failed registry request is retried. */
  public static final String MAX_RETRIES_CONFIG = "max.retries";

  /** The pause before the first retry. */
  public static final String RETRIES_WAIT_MS_CONFIG = "retries.wait.ms";

  /** The longest pause between retries. */
  public static final String RETRIES_MAX_WAIT_MS_CONFIG = "retries.max.wait.ms";

  /**
   * Where the registry's basic authentication comes from: {@code URL} (the user part of each URL,
   * the default) or {@code USER_INFO} ({@value #BASIC_AUTH_USER_INFO_CONFIG}), as in Confluent's
   * serdes.
   */
  public static final String BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG = "basic.auth.credentials.source";

  /** {@code user:password} for the registry, with the source {@code USER_INFO}. */
  public static final String BASIC_AUTH_USER_INFO_CONFIG = "basic.auth.user.info";

  private static final String CONFLUENT_STRATEGIES = "io.confluent.kafka.serializers.subject.";

  private static final String DEFAULT_STRATEGY = TopicNameStrategy.class.getName();

  private static final ConfigDef DEFINITION = define(true);

  /** For a serde given its registry client: the URL, only named in messages, is optional. */
  private static final ConfigDef DEFINITION_WITH_CLIENT = define(false);

  /**
   * Reads a configuration.
   *
   * @param props the configuration; keys other than the serde's are ignored
   * @throws ConfigException naming the key of a missing or invalid value
   */
  public AvroSerdeConfig(Map<String, ?> props) {
    this(DEFINITION, props);
  }

  private AvroSerdeConfig(ConfigDef definition, Map<String, ?> props) {
    super(definition, classesAsNames(props), false);
  }

  /** The definition of every key: type, default, validation, importance and documentation. */
  public static ConfigDef configDef() {
    return new ConfigDef(DEFINITION);
  }

  private static ConfigDef define(boolean urlRequired) {
    HttpSchemaRegistryClient.Settings defaults = HttpSchemaRegistryClient.Settings.DEFAULTS;
    return new ConfigDef()
        .define(
            SCHEMA_REGISTRY_URL_CONFIG,
            Type.LIST,
            urlRequired ? ConfigDef.NO_DEFAULT_VALUE : null,
            (name, value) -> {
              if (urlRequired || value != null) {
                validateUrls(name, value);
              }
            },
            Importance.HIGH,
            "Comma-separated base URLs of the schema registry (http or https; on a connection"
                + " failure the next one is tried), or mock://<scope> for an in-memory registry"
                + " shared by every serde of the process that names the same scope.")
        .define(
            AUTO_REGISTER_SCHEMAS_CONFIG,
            Type.BOOLEAN,
            true,
            Importance.MEDIUM,
            "Whether the serializer registers the schema of a record it writes. When false, the"
                + " schema must be registered already and a record with another schema fails.")
        .define(
            USE_LATEST_VERSION_CONFIG,
            Type.BOOLEAN,
            false,
            Importance.MEDIUM,
            "Whether the serializer writes with the latest schema of the subject instead of the"
                + " record's own, which it then neither registers nor looks up. A record that the"
                + " latest schema cannot read fails.")
        .define(
            LATEST_CACHE_TTL_SEC_CONFIG,
            Type.LONG,
            -1L,
            ConfigDef.Range.atLeast(-1),
            Importance.LOW,
            "How long, in seconds, the serializer remembers a subject's latest version when"
                + " use.latest.version is true; -1 for as long as it lives.")
        .define(
            SPECIFIC_AVRO_READER_CONFIG,
            Type.BOOLEAN,
            false,
            Importance.MEDIUM,
            "Whether the deserializer returns generated SpecificRecord classes, found by the"
                + " writer schema's full name or given by specific.avro.key.type and"
                + " specific.avro.value.type, read with the class's schema as reader schema."
                + " When false it returns GenericRecords in the writer's schema.")
        .define(
            SPECIFIC_AVRO_KEY_TYPE_CONFIG,
            Type.CLASS,
            null,
            Importance.LOW,
            "The generated class keys are read as when specific.avro.reader is true, whatever"
                + " the writer schema's name.")
        .define(
            SPECIFIC_AVRO_VALUE_TYPE_CONFIG,
            Type.CLASS,
            null,
            Importance.LOW,
            "The generated class values are read as when specific.avro.reader is true, whatever"
                + " the writer schema's name.")
        .define(
            KEY_SUBJECT_NAME_STRATEGY_CONFIG,
            Type.STRING,
            DEFAULT_STRATEGY,
            AvroSerdeConfig::validateStrategy,
            Importance.MEDIUM,
            "How the subject of a key schema is named: a SubjectNameStrategy class, or one of"
                + " Confluent's io.confluent.kafka.serializers.subject.TopicNameStrategy,"
                + " RecordNameStrategy or TopicRecordNameStrategy.")
        .define(
            VALUE_SUBJECT_NAME_STRATEGY_CONFIG,
            Type.STRING,
            DEFAULT_STRATEGY,
            AvroSerdeConfig::validateStrategy,
            Importance.MEDIUM,
            "How the subject of a value schema is named: a SubjectNameStrategy class, or one of"
                + " Confluent's io.confluent.kafka.serializers.subject.TopicNameStrategy,"
                + " RecordNameStrategy or TopicRecordNameStrategy.")
        .define(
            AVRO_USE_LOGICAL_TYPE_CONVERTERS_CONFIG,
            Type.BOOLEAN,
            false,
            Importance.LOW,
            "Whether generic records carry logical types as Java types (BigDecimal, Instant,"
                + " LocalDate, UUID…) instead of their underlying Avro types. Specific records"
                + " always do.")
        .define(
            MAX_SCHEMAS_PER_SUBJECT_CONFIG,
            Type.INT,
            CachedSchemaRegistryClient.DEFAULT_CAPACITY,
            Range.atLeast(1),
            Importance.LOW,
            "How many schemas, ids and subjects each of the registry client's caches holds.")
        .define(
            CONNECT_TIMEOUT_MS_CONFIG,
            Type.INT,
            (int) defaults.connectTimeout().toMillis(),
            Range.atLeast(1),
            Importance.LOW,
            "The longest wait, in milliseconds, to connect to the schema registry.")
        .define(
            REQUEST_TIMEOUT_MS_CONFIG,
            Type.INT,
            (int) defaults.requestTimeout().toMillis(),
            Range.atLeast(1),
            Importance.MEDIUM,
            "The longest wait, in milliseconds, for one exchange with the schema registry,"
                + " connecting included.")
        .define(
            MAX_RETRIES_CONFIG,
            Type.INT,
            defaults.maxRetries(),
            Range.atLeast(0),
            Importance.LOW,
            "How many times a registry request that failed to connect, timed out or got a 5xx"
                + " answer is retried before the serde gives up.")
        .define(
            RETRIES_WAIT_MS_CONFIG,
            Type.INT,
            (int) defaults.retryWait().toMillis(),
            Range.atLeast(0),
            Importance.LOW,
            "The pause, in milliseconds, before the first retry; it doubles for each further"
                + " retry.")
        .define(
            RETRIES_MAX_WAIT_MS_CONFIG,
            Type.INT,
            (int) defaults.maxRetryWait().toMillis(),
            Range.atLeast(0),
            Importance.LOW,
            "The longest pause, in milliseconds, between retries.")
        .define(
            BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG,
            Type.STRING,
            "URL",
            ValidString.in("URL", "USER_INFO"),
            Importance.MEDIUM,
            "Where the schema registry's basic authentication comes from: URL (the user part of"
                + " each URL, http://user:password@host) or USER_INFO ("
                + BASIC_AUTH_USER_INFO_CONFIG
                + ").")
        .define(
            BASIC_AUTH_USER_INFO_CONFIG,
            Type.PASSWORD,
            null,
            Importance.MEDIUM,
            "user:password for the schema registry, with "
                + BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG
                + "=USER_INFO.");
  }

  /**
   * The registry's basic authentication as {@code user:password} when it is configured apart from
   * the URLs; null when the URLs carry it, if anything does.
   *
   * @throws ConfigException with {@code USER_INFO} but no {@value #BASIC_AUTH_USER_INFO_CONFIG}
   */
  public String basicAuthUserInfo() {
    if (!"USER_INFO".equals(getString(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG))) {
      return null;
    }
    Password userInfo = getPassword(BASIC_AUTH_USER_INFO_CONFIG);
    if (userInfo == null || userInfo.value().isBlank()) {
      throw new ConfigException(
          BASIC_AUTH_USER_INFO_CONFIG
              + " must be user:password when "
              + BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG
              + " is USER_INFO");
    }
    return userInfo.value();
  }

  /**
   * The registry's base URLs, or a single {@code mock://} URL; empty when a serde given its client
   * was configured without one.
   */
  public List<String> schemaRegistryUrls() {
    List<String> urls = getList(SCHEMA_REGISTRY_URL_CONFIG);
    return urls == null ? List.of() : urls;
  }

  /** {@value #AUTO_REGISTER_SCHEMAS_CONFIG}. */
  public boolean autoRegisterSchemas() {
    return getBoolean(AUTO_REGISTER_SCHEMAS_CONFIG);
  }

  /** {@value #USE_LATEST_VERSION_CONFIG}. */
  public boolean useLatestVersion() {
    return getBoolean(USE_LATEST_VERSION_CONFIG);
  }

  /** {@value #LATEST_CACHE_TTL_SEC_CONFIG}, negative for ever. */
  public Duration latestCacheTtl() {
    long seconds = getLong(LATEST_CACHE_TTL_SEC_CONFIG);
    return seconds < 0 ? Duration.ofSeconds(-1) : Duration.ofSeconds(seconds);
  }

  /** {@value #SPECIFIC_AVRO_READER_CONFIG}. */
  public boolean specificAvroReader() {
    return getBoolean(SPECIFIC_AVRO_READER_CONFIG);
  }

  /** The generated class keys or values are read as, or null to find it by the writer's name. */
  public Class<?> specificType(boolean isKey) {
    return getClass(isKey ? SPECIFIC_AVRO_KEY_TYPE_CONFIG : SPECIFIC_AVRO_VALUE_TYPE_CONFIG);
  }

  /** {@value #AVRO_USE_LOGICAL_TYPE_CONVERTERS_CONFIG}. */
  public boolean useLogicalTypeConverters() {
    return getBoolean(AVRO_USE_LOGICAL_TYPE_CONVERTERS_CONFIG);
  }

  /** {@value #MAX_SCHEMAS_PER_SUBJECT_CONFIG}. */
  public int cacheCapacity() {
    return getInt(MAX_SCHEMAS_PER_SUBJECT_CONFIG);
  }

  /** The HTTP client's timeouts and retries. */
  public HttpSchemaRegistryClient.Settings httpSettings() {
    int wait = getInt(RETRIES_WAIT_MS_CONFIG);
    int maxWait = getInt(RETRIES_MAX_WAIT_MS_CONFIG);
    if (maxWait < wait) {
      throw new ConfigException(
          RETRIES_MAX_WAIT_MS_CONFIG,
          maxWait,
          "must be at least " + RETRIES_WAIT_MS_CONFIG + " (" + wait + ")");
    }
    return new HttpSchemaRegistryClient.Settings(
        Duration.ofMillis(getInt(CONNECT_TIMEOUT_MS_CONFIG)),
        Duration.ofMillis(getInt(REQUEST_TIMEOUT_MS_CONFIG)),
        getInt(MAX_RETRIES_CONFIG),
        Duration.ofMillis(wait),
        Duration.ofMillis(maxWait));
  }

  /**
   * The subject name strategy of keys or values, configured with the serde's configuration when it
   * is {@link Configurable}.
   */
  public SubjectNameStrategy subjectNameStrategy(boolean isKey) {
    String key = isKey ? KEY_SUBJECT_NAME_STRATEGY_CONFIG : VALUE_SUBJECT_NAME_STRATEGY_CONFIG;
    SubjectNameStrategy strategy = strategy(key, getString(key));
    if (strategy instanceof Configurable configurable) {
      configurable.configure(originals());
    }
    return strategy;
  }

  /** A new caching client for the configured registry. */
  SchemaRegistryClient newClient() {
    List<String> urls = schemaRegistryUrls();
    SchemaRegistryClient registry =
        MockSchemaRegistry.isMockUrl(urls.get(0))
            ? MockSchemaRegistry.forUrl(urls.get(0))
            : new HttpSchemaRegistryClient(urls, httpSettings(), basicAuthUserInfo());
    return cached(registry);
  }

  /** A client given by the caller, behind a cache unless it has one. */
  SchemaRegistryClient cached(SchemaRegistryClient registry) {
    return registry instanceof CachedSchemaRegistryClient
        ? registry
        : new CachedSchemaRegistryClient(registry, cacheCapacity(), latestCacheTtl());
  }

  /** Reads a configuration; with a client given directly, the URL is optional. */
  static AvroSerdeConfig of(Map<String, ?> props, SchemaRegistryClient given) {
    return new AvroSerdeConfig(given == null ? DEFINITION : DEFINITION_WITH_CLIENT, props);
  }

  // ---- validation

  private static void validateUrls(String name, Object value) {
    if (!(value instanceof List<?> urls) || urls.isEmpty()) {
      throw new ConfigException(
          "Invalid value for configuration " + name + ": at least one URL is needed");
    }
    boolean mock = urls.stream().anyMatch(u -> MockSchemaRegistry.isMockUrl(String.valueOf(u)));
    if (mock && urls.size() > 1) {
      throw new ConfigException(
          "Invalid value for configuration "
              + name
              + ": a "
              + MockSchemaRegistry.PREFIX
              + " URL must be the only one");
    }
    for (Object u : urls) {
      String url = String.valueOf(u).trim();
      if (mock) {
        if (url.length() <= MockSchemaRegistry.PREFIX.length()) {
          throw new ConfigException(
              "Invalid value " + url + " for configuration " + name + ": it names no scope");
        }
        continue;
      }
      URI uri;
      try {
        uri = new URI(url);
      } catch (java.net.URISyntaxException e) {
        throw new ConfigException(
            "Invalid value for configuration " + name + ": not a URL (" + e.getReason() + ")");
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((!scheme.equals("http") && !scheme.equals("https")) || uri.getHost() == null) {
        // The value may hold credentials: name only its scheme and host.
        throw new ConfigException(
            "Invalid value for configuration "
                + name
                + ": '"
                + scheme
                + "://"
                + uri.getHost()
                + "…' is not an http, https or "
                + MockSchemaRegistry.PREFIX
                + " URL with a host");
      }
    }
  }

  private static void validateStrategy(String name, Object value) {
    strategy(name, (String) value);
  }

  private static SubjectNameStrategy strategy(String key, String name) {
    String className = name == null ? DEFAULT_STRATEGY : name.trim();
    switch (className) {
      case CONFLUENT_STRATEGIES + "TopicNameStrategy":
        return new TopicNameStrategy();
      case CONFLUENT_STRATEGIES + "RecordNameStrategy":
        return new RecordNameStrategy();
      case CONFLUENT_STRATEGIES + "TopicRecordNameStrategy":
        return new TopicRecordNameStrategy();
      default:
        break;
    }
    Class<?> type;
    try {
      ClassLoader loader = Thread.currentThread().getContextClassLoader();
      type =
          Class.forName(
              className, true, loader != null ? loader : AvroSerdeConfig.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new ConfigException(key, className, "no such class on the classpath");
    }
    if (!SubjectNameStrategy.class.isAssignableFrom(type)) {
      throw new ConfigException(
          key, className, "does not implement " + SubjectNameStrategy.class.getName());
    }
    try {
      return (SubjectNameStrategy) type.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new ConfigException(
          key, className, "cannot be created with a public no-argument constructor: " + e);
    }
  }

  /** Class objects are accepted for the strategies, as Kafka accepts them for its own classes. */
  private static Map<String, ?> classesAsNames(Map<String, ?> props) {
    if (props == null) {
      return Map.of();
    }
    Map<String, Object> copy = null;
    for (String key :
        List.of(KEY_SUBJECT_NAME_STRATEGY_CONFIG, VALUE_SUBJECT_NAME_STRATEGY_CONFIG)) {
      if (props.get(key) instanceof Class<?> type) {
        copy = copy == null ? new HashMap<>(props) : copy;
        copy.put(key, type.getName());
      }
    }
    return copy == null ? props : copy;
  }
}
