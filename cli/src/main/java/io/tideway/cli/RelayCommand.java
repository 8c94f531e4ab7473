package io.tideway.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tideway.deploy.PlatformEndpoints;
import io.tideway.deploy.embedded.LoopbackPorts;
import io.tideway.deploy.platform.LocalPlatform;
import io.tideway.deploy.platform.PlatformSetupException;
import io.tideway.outbox.relay.OutboxRelay;
import io.tideway.outbox.relay.OutboxSource;
import io.tideway.outbox.relay.RelayHealth;
import io.tideway.outbox.relay.RelayHttpEndpoint;
import io.tideway.outbox.relay.RelaySettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tideway relay}: the outbox relay on its own, until Ctrl-C or SIGTERM. */
@Command(
    name = "relay",
    mixinStandardHelpOptions = true,
    description = {
      "Run the outbox relay: stream each service database's outbox table into Kafka topics"
          + " <aggregatetype>.events through Debezium, offsets kept in Kafka.",
      "Without --config it relays the local platform's service databases; that platform must run"
          + " with 'tideway up --no-relay', as one relay per database at a time can hold its slot.",
      "A config file (Java properties) names the cluster and the databases:",
      "  bootstrap.servers=kafka:9092",
      "  sources=customer,order",
      "  source.customer.jdbc.url=jdbc:postgresql://db:5432/customer?sslmode=verify-full",
      "  source.customer.user=customer",
      "  source.customer.password.file=/run/secrets/customer-db",
      "(or source.<name>.password=...; a file readable by the relay only is better).",
      "Settings of the relay's Kafka clients, such as those of a secured cluster, take the prefix"
          + " kafka.:",
      "  kafka.security.protocol=SASL_SSL",
      "  kafka.sasl.mechanism=SCRAM-SHA-512",
      "  kafka.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required"
          + " username=\"relay\" password=\"...\";",
      "Settings of Debezium's PostgreSQL connector that replace the relay's own take the prefix"
          + " debezium., e.g. for a slot that survives a failover (PostgreSQL 17 or later):",
      "  debezium.slot.failover=true"
    })
final class RelayCommand implements Callable<Integer> {

  private static final String KAFKA_PREFIX = "kafka.";
  private static final String DEBEZIUM_PREFIX = "debezium.";

  @Spec private CommandSpec spec;
  @Mixin private DataDirOption dataDir;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Relay these databases to this cluster instead of the local platform's.")
  private Path config;

  @Option(
      names = "--http-port",
      converter = PortConverter.class,
      paramLabel = "N",
      defaultValue = "${env:TIDEWAY_RELAY_PORT:-8083}",
      description =
          "Port for /health/live, /health/ready and /metrics (default: ${DEFAULT-VALUE}; 0 picks a"
              + " free one).")
  private int httpPort;

  @Option(
      names = "--http-host",
      paramLabel = "HOST",
      defaultValue = "127.0.0.1",
      description =
          "The address to serve them on (default: ${DEFAULT-VALUE}; 0.0.0.0 for probes and"
              + " Prometheus on other hosts).")
  private String httpHost;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "3",
      description = "Partitions of the event topics the relay creates (default: ${DEFAULT-VALUE}).")
  private int partitions;

  @Option(
      names = "--replication-factor",
      paramLabel = "N",
      defaultValue = "-1",
      description =
          "Replication factor of the topics the relay creates (default: the broker's default).")
  private short replicationFactor;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    RelaySettings settings;
    try {
      settings =
          (config != null ? fromConfig(config) : fromLocalPlatform())
              .withTopicLayout(partitions, replicationFactor);
    } catch (IllegalArgumentException e) {
      throw new PlatformSetupException(e.getMessage());
    } catch (NoSuchFileException e) {
      throw new PlatformSetupException("No config file " + e.getFile());
    }
    if (httpPort != 0 && httpHost.equals("127.0.0.1") && !LoopbackPorts.isFree(httpPort)) {
      throw new PlatformSetupException(
          "Port " + httpPort + " is already in use: choose another with --http-port");
    }
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    out.println(
        "Starting the outbox relay for "
            + settings.sources().stream().map(OutboxSource::toString).toList()
            + " to Kafka "
            + settings.bootstrapServers()
            + " ...");
    out.flush();
    OutboxRelay relay = OutboxRelay.start(settings, meters);
    RelayHttpEndpoint http;
    try {
      http = RelayHttpEndpoint.start(relay, meters, httpHost, httpPort);
    } catch (IOException e) {
      relay.close();
      throw new PlatformSetupException(
          "Cannot serve health and metrics on " + httpHost + ":" + httpPort + ": " + e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  http.close();
                  relay.close();
                  stopped.countDown();
                },
                "relay-stop"));
    awaitStreaming(relay, out);
    out.println("Outbox relay is streaming; health and metrics at " + http.url());
    out.flush();
    stopped.await();
    return 0;
  }

  /** Reports each source's state as it changes until all stream; engines keep retrying. */
  private static void awaitStreaming(OutboxRelay relay, PrintWriter out)
      throws InterruptedException {
    RelayHealth shown = null;
    while (true) {
      RelayHealth health = relay.health();
      if (health.streaming()) {
        return;
      }
      if (!health.equals(shown)) {
        out.println("  " + health.sources());
        out.flush();
        shown = health;
      }
      Thread.sleep(200);
    }
  }

  private RelaySettings fromLocalPlatform() throws IOException {
    PlatformEndpoints endpoints = dataDir.endpoints("pass --config");
    if (endpoints.relay() != null) {
      throw new PlatformSetupException(
          "The platform with data directory "
              + dataDir.path()
              + " runs a relay already ("
              + endpoints.relay().url()
              + "): restart it with 'tideway up --no-relay' to run one here");
    }
    return RelaySettings.of(
        endpoints.kafka().bootstrap(), LocalPlatform.outboxSources(dataDir.path(), endpoints));
  }

  static RelaySettings fromConfig(Path file) throws IOException {
    Properties properties = new Properties();
    try (Reader in = Files.newBufferedReader(file)) {
      properties.load(in);
    }
    String bootstrap = required(properties, "bootstrap.servers", file);
    List<OutboxSource> sources = new ArrayList<>();
    for (String name :
        Arrays.stream(required(properties, "sources", file).split(","))
            .map(String::trim)
            .filter(name -> !name.isEmpty())
            .toList()) {
      String prefix = "source." + name + ".";
      sources.add(
          OutboxSource.fromJdbcUrl(
              name,
              required(properties, prefix + "jdbc.url", file),
              required(properties, prefix + "user", file),
              password(properties, prefix, file)));
    }
    return RelaySettings.of(bootstrap, sources)
        .withKafkaClientSettings(prefixed(properties, KAFKA_PREFIX))
        .withConnectorOverrides(prefixed(properties, DEBEZIUM_PREFIX));
  }

  /** The properties whose names start with a prefix, by their names without it. */
  private static Map<String, String> prefixed(Properties properties, String prefix) {
    Map<String, String> settings = new HashMap<>();
    for (String name : properties.stringPropertyNames()) {
      if (name.startsWith(prefix)) {
        settings.put(name.substring(prefix.length()), properties.getProperty(name).strip());
      }
    }
    return settings;
  }

  private static String password(Properties properties, String prefix, Path file)
      throws IOException {
    String passwordFile = properties.getProperty(prefix + "password.file");
    if (passwordFile != null) {
      Path secret = file.resolveSibling(passwordFile);
      if (!Files.isReadable(secret)) {
        throw new IllegalArgumentException(
            file + ": " + prefix + "password.file names " + secret + ", which cannot be read");
      }
      return Files.readString(secret).strip();
    }
    return required(properties, prefix + "password", file);
  }

  private static String required(Properties properties, String name, Path file) {
    String value = properties.getProperty(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(file + " has no " + name);
    }
    return value.strip();
  }
}
