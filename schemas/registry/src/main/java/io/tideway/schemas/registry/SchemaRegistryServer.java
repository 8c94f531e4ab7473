package io.tideway.schemas.registry;

import io.javalin.Javalin;
import io.tideway.topics.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A schema registry server with the REST API of Confluent Schema Registry (the subset Tideway
 * uses), whose content lives in a compacted Kafka topic: it survives restarts, and any number of
 * instances on the same topic share it.
 *
 * <pre>{@code
 * try (SchemaRegistryServer registry =
 *     new SchemaRegistryServer(SchemaRegistryServer.Settings.of("127.0.0.1:9092"))) {
 *   registry.start();
 *   String url = registry.url(); // for schema.registry.url
 *   ...
 * }
 * }</pre>
 *
 * <p>Writes are read-your-write and serialised across instances by Kafka's transactional fencing;
 * reads are answered from the instance's copy of the topic and may lag another instance's latest
 * write by milliseconds. Nothing is static: several servers may run in one JVM.
 */
public final class SchemaRegistryServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SchemaRegistryServer.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /**
   * How to run the server.
   *
   * @param bootstrapServers the Kafka cluster, as {@code bootstrap.servers}
   * @param topic the store topic; every instance that shares content uses the same one
   * @param host the address the HTTP listener binds to
   * @param port the HTTP port, or 0 to pick a free one
   * @param replicationFactor the store topic's replication factor when the server creates it: 1 on
   *     a single broker, 3 in production (its {@code min.insync.replicas} is then 2)
   * @param kafka Kafka client settings for every client the server uses, such as security settings;
   *     the settings the store's consistency depends on (isolation level, transactional id,
   *     idempotence, acks) cannot be overridden
   * @param users who may use the registry, and what for; null lets anyone who reaches the port read
   *     and write (health and metrics stay open either way)
   */
  public record Settings(
      String bootstrapServers,
      String topic,
      String host,
      int port,
      int replicationFactor,
      Map<String, String> kafka,
      RegistryUsers users) {

    /** The store topic when not told otherwise, as in Confluent Schema Registry. */
    public static final String DEFAULT_TOPIC = Topics.SCHEMAS_NAME;

    /** The HTTP address when not told otherwise: loopback only. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** The port when not told otherwise: Confluent Schema Registry's. */
    public static final int DEFAULT_PORT = 8081;

    /** The replication factor when not told otherwise: the single-node platform's. */
    public static final int DEFAULT_REPLICATION_FACTOR = 1;

    /**
     * @throws IllegalArgumentException naming the setting that cannot work
     */
    public Settings {
      Objects.requireNonNull(bootstrapServers, "bootstrapServers");
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(host, "host");
      if (bootstrapServers.isBlank()) {
        throw new IllegalArgumentException("bootstrapServers must name at least one broker");
      }
      if (topic.isBlank()) {
        throw new IllegalArgumentException("topic must not be empty");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0 to 65535 (was " + port + ")");
      }
      if (replicationFactor < 1 || replicationFactor > Short.MAX_VALUE) {
        throw new IllegalArgumentException(
            "replicationFactor must be positive (was " + replicationFactor + ")");
      }
      kafka = Map.copyOf(kafka == null ? Map.of() : kafka);
    }

    /** Defaults for everything but the cluster: topic {@code _schemas}, 127.0.0.1:8081. */
    public static Settings of(String bootstrapServers) {
      return new Settings(
          bootstrapServers,
          DEFAULT_TOPIC,
          DEFAULT_HOST,
          DEFAULT_PORT,
          DEFAULT_REPLICATION_FACTOR,
          Map.of(),
          null);
    }

    /** These settings with another store topic. */
    public Settings withTopic(String topic) {
      return new Settings(bootstrapServers, topic, host, port, replicationFactor, kafka, users);
    }

    /** These settings with another HTTP address. */
    public Settings withHost(String host) {
      return new Settings(bootstrapServers, topic, host, port, replicationFactor, kafka, users);
    }

    /** These settings with another HTTP port; 0 picks a free one. */
    public Settings withPort(int port) {
      return new Settings(bootstrapServers, topic, host, port, replicationFactor, kafka, users);
    }

    /** These settings with another replication factor for the store topic. */
    public Settings withReplicationFactor(int replicationFactor) {
      return new Settings(bootstrapServers, topic, host, port, replicationFactor, kafka, users);
    }

    /** These settings with Kafka client settings added to every client. */
    public Settings withKafka(Map<String, String> kafka) {
      return new Settings(bootstrapServers, topic, host, port, replicationFactor, kafka, users);
    }

    /** These settings with users who must authenticate; null lets anyone in. */
    public Settings withUsers(RegistryUsers users) {
      return new Settings(bootstrapServers, topic, host, port, replicationFactor, kafka, users);
    }
  }

  private final Settings settings;
  private RegistryMetrics metrics;
  private SchemaStore store;
  private Javalin http;
  private boolean started;
  private boolean closed;

  /**
   * @param settings how to run it; nothing starts before {@link #start()}
   */
  public SchemaRegistryServer(Settings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /**
   * Creates the store topic if it is missing, reads it to the end, then starts the HTTP listener:
   * when this returns, the server answers with the complete content.
   *
   * @throws IllegalStateException when the topic cannot serve as the store, the cluster does not
   *     answer within a minute, or the port is taken; nothing is left running
   * @throws InterruptedException when interrupted while waiting; nothing is left running
   */
  public synchronized void start() throws InterruptedException {
    if (started || closed) {
      throw new IllegalStateException("A schema registry server starts once");
    }
    started = true;
    try {
      metrics = new RegistryMetrics();
      store =
          new SchemaStore(
              settings.bootstrapServers(),
              settings.topic(),
              settings.replicationFactor(),
              settings.kafka(),
              metrics);
      store.start(START_TIMEOUT);
      RegistryRoutes routes = new RegistryRoutes(store, metrics, settings.users());
      http =
          Javalin.create(
              config -> {
                config.startup.showJavalinBanner = false;
                config.startup.showOldJavalinVersionWarning = false;
                config.jetty.host = settings.host();
                config.jetty.port = settings.port();
                routes.install(config);
              });
      try {
        http.start();
      } catch (RuntimeException e) {
        throw new IllegalStateException(
            "Cannot listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage(),
            e);
      }
      log.info(
          "Schema registry listening on {} with its content in {}, {}",
          url(),
          settings.topic(),
          settings.users() == null ? "open to anyone" : "to authenticated users");
    } catch (InterruptedException | RuntimeException e) {
      stop();
      throw e;
    }
  }

  /**
   * The address clients use, such as {@code http://127.0.0.1:8081}: the listener's host (loopback
   * when it listens on every address) and its actual port.
   *
   * @throws IllegalStateException before {@link #start()}
   */
  public synchronized String url() {
    return "http://" + clientHost() + ":" + port();
  }

  /**
   * The port the listener bound to.
   *
   * @throws IllegalStateException before {@link #start()}
   */
  public synchronized int port() {
    if (http == null) {
      throw new IllegalStateException("The schema registry server is not running");
    }
    return http.port();
  }

  private String clientHost() {
    String host = settings.host();
    if (host.equals("0.0.0.0") || host.equals("::") || host.isBlank()) {
      return "127.0.0.1";
    }
    return host.contains(":") ? "[" + host + "]" : host;
  }

  /**
   * Stops the HTTP listener, then the store: a write in progress is finished first, then the reader
   * and the Kafka clients are closed. Closing twice does nothing.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stop();
    log.info("Schema registry on {} stopped", settings.topic());
  }

  private void stop() {
    if (http != null) {
      try {
        http.stop();
      } catch (RuntimeException e) {
        log.warn("Stopping the HTTP listener failed", e);
      }
      http = null;
    }
    if (store != null) {
      try {
        store.close();
      } catch (RuntimeException e) {
        log.warn("Closing the store failed", e);
      }
      store = null;
    }
    if (metrics != null) {
      metrics.close();
      metrics = null;
    }
  }
}
