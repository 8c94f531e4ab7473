package io.tideway.cli;

import io.tideway.deploy.PlatformEndpoints;
import io.tideway.deploy.platform.LocalPlatform;
import io.tideway.deploy.platform.PlatformSetupException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tideway up}: the whole platform on this machine, until Ctrl-C or SIGTERM. */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = {
      "Run the platform on this machine with nothing installed: a Kafka broker (KRaft),"
          + " PostgreSQL (wal_level=logical) with a database per service, the schema registry and"
          + " the outbox relay, the topology runtime, and the customer, order and inventory"
          + " services, data kept under the data directory.",
      "Prints a line starting 'Tideway is ready' with the endpoints and writes them to"
          + " DIR/endpoints.json. Ctrl-C or SIGTERM stops everything cleanly."
    })
final class UpCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;
  @Mixin private DataDirOption dataDir;

  @Option(names = "--fresh", description = "Wipe all earlier data before starting.")
  private boolean fresh;

  @Option(
      names = "--kafka-port",
      paramLabel = "N",
      defaultValue = "${env:TIDEWAY_KAFKA_PORT:-9092}",
      description = "Kafka's client port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  private int kafkaPort;

  @Option(
      names = "--postgres-port",
      paramLabel = "N",
      defaultValue = "${env:TIDEWAY_POSTGRES_PORT:-5432}",
      description = "PostgreSQL's port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  private int postgresPort;

  @Option(
      names = "--registry-port",
      paramLabel = "N",
      defaultValue = "${env:TIDEWAY_REGISTRY_PORT:-8081}",
      description = "The schema registry's port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  private int registryPort;

  @Option(
      names = "--relay-port",
      paramLabel = "N",
      defaultValue = "${env:TIDEWAY_RELAY_PORT:-8083}",
      description =
          "The outbox relay's health and metrics port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  private int relayPort;

  @Option(
      names = "--query-port",
      paramLabel = "N",
      defaultValue = "${env:TIDEWAY_QUERY_PORT:-8084}",
      description =
          "The topology runtime's port on 127.0.0.1: deployments, interactive queries, health and"
              + " metrics (default: ${DEFAULT-VALUE}).")
  private int queryPort;

  @Option(
      names = "--customer-port",
      paramLabel = "N",
      defaultValue = "${env:TIDEWAY_CUSTOMER_PORT:-8091}",
      description = "The customer service's port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  private int customerPort;

  @Option(
      names = "--order-port",
      paramLabel = "N",
      defaultValue = "${env:TIDEWAY_ORDER_PORT:-8092}",
      description = "The order service's port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  private int orderPort;

  @Option(
      names = "--inventory-port",
      paramLabel = "N",
      defaultValue = "${env:TIDEWAY_INVENTORY_PORT:-8093}",
      description = "The inventory service's port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  private int inventoryPort;

  @Option(
      names = "--no-services",
      description =
          "Run no reference system: neither the customer, order and inventory services nor their"
              + " projections on the runtime.")
  private boolean noServices;

  @Option(
      names = "--no-relay",
      description =
          "Run no outbox relay: one runs elsewhere, e.g. 'tideway relay' in another terminal.")
  private boolean noRelay;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (!noRelay && relayPort < 1) {
      // -1 means no relay to the platform: that takes --no-relay.
      throw new PlatformSetupException(
          relayPort
              + " is not a port for the outbox relay (1 to 65535): choose one with --relay-port");
    }
    long start = System.nanoTime();
    out.println("Starting Tideway with data in " + dataDir.path() + (fresh ? " (fresh)" : ""));
    out.flush();
    LocalPlatform.Settings settings =
        new LocalPlatform.Settings(
            dataDir.path(),
            fresh,
            kafkaPort,
            postgresPort,
            registryPort,
            noRelay ? -1 : relayPort,
            queryPort,
            noServices
                ? null
                : new LocalPlatform.ReferenceSystem(
                    referenceJars(),
                    Map.of(
                        "customer", customerPort, "order", orderPort, "inventory", inventoryPort)));
    LocalPlatform platform =
        new LocalPlatform(
            settings,
            line -> {
              out.println("  " + line);
              out.flush();
            });
    CountDownLatch stopped = new CountDownLatch(1);
    Thread stopOnSignal =
        new Thread(
            () -> {
              out.println("Stopping Tideway ...");
              out.flush();
              try {
                platform.close();
                out.println("Tideway stopped");
              } catch (Exception e) {
                CommandLogs.log().error("Stopping the platform failed", e);
                out.println("Tideway stopped with errors (details in " + CommandLogs.file() + ")");
              } finally {
                out.flush();
                stopped.countDown();
              }
            },
            "tideway-stop");
    // Registered before start so that Ctrl-C during start-up still stops what already runs.
    Runtime.getRuntime().addShutdownHook(stopOnSignal);
    try {
      platform.start();
    } catch (Exception e) {
      // start() has stopped what it started; there is nothing left for the hook to stop.
      try {
        Runtime.getRuntime().removeShutdownHook(stopOnSignal);
      } catch (IllegalStateException shuttingDown) {
        // the hook is already running and finds nothing to stop
      }
      throw e;
    }
    out.println(readyLine(platform.endpoints(), (System.nanoTime() - start) / 1e9));
    out.println("Press Ctrl-C to stop.");
    out.flush();
    stopped.await();
    return 0;
  }

  /**
   * The reference system's jars (the services' executable jars, the projections' topology jar),
   * which the build puts in {@code reference} beside the CLI's own jar (or its classes, when run
   * from a build's output).
   */
  static Path referenceJars() throws URISyntaxException {
    Path cli = Path.of(UpCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    return cli.getParent().resolve("reference");
  }

  /** The reference projections' topology jar that {@code tideway up} deploys. */
  static Path projectionsJar() throws URISyntaxException, IOException {
    Path directory = referenceJars();
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .filter(f -> f.getFileName().toString().startsWith("tideway-projections-"))
          .findFirst()
          .orElseThrow(
              () ->
                  new PlatformSetupException(
                      "No projections jar in " + directory + "; pass --jar"));
    }
  }

  private String readyLine(PlatformEndpoints endpoints, double seconds) {
    return String.format(
        "Tideway is ready in %.1f s: kafka %s, postgres %s (user %s), registry %s, relay %s,"
            + " query %s, services %s; endpoints in %s",
        seconds,
        endpoints.kafka().bootstrap(),
        endpoints.postgres().jdbcUrl(),
        endpoints.postgres().user(),
        endpoints.registry().url(),
        endpoints.relay() == null ? "not run" : endpoints.relay().url(),
        endpoints.query().url(),
        endpoints.services().isEmpty() ? "not run" : endpoints.services(),
        dataDir.path().resolve(PlatformEndpoints.FILE_NAME));
  }
}
