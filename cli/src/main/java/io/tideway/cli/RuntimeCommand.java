package io.tideway.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tideway.deploy.PlatformEndpoints;
import io.tideway.deploy.embedded.LoopbackPorts;
import io.tideway.deploy.platform.PlatformSetupException;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.topology.runtime.RuntimeSettings;
import io.tideway.topology.runtime.TopologyRuntime;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tideway runtime}: one more topology runtime, until Ctrl-C or SIGTERM. */
@Command(
    name = "runtime",
    mixinStandardHelpOptions = true,
    description = {
      "Run a topology runtime on its own: the local platform's Kafka and registry, or any. Deploy"
          + " the same jar to several runtimes ('tideway deploy --query-url ...') and each becomes"
          + " a member of the applications' groups; a query to any of them reaches the member"
          + " that owns the key.",
      "It deploys again, when it starts, what it ran when it stopped (kept in its state"
          + " directory)."
    })
final class RuntimeCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;
  @Mixin private DataDirOption dataDir;
  @Mixin private KafkaClientConfigOption clientConfig;
  @Mixin private OperatorTokenOption operator;

  @Option(
      names = "--bootstrap-server",
      paramLabel = "HOST:PORT",
      defaultValue = "${env:TIDEWAY_BOOTSTRAP_SERVER}",
      description = "Kafka (default: the local platform's).")
  private String bootstrapServer;

  @Option(
      names = "--registry-url",
      converter = HttpUrlConverter.class,
      paramLabel = "URL",
      defaultValue = "${env:TIDEWAY_REGISTRY_URL}",
      description = "The schema registry deployments' serdes use (default: the local platform's).")
  private String registryUrl;

  @Option(
      names = "--host",
      paramLabel = "HOST",
      defaultValue = "127.0.0.1",
      description =
          "The address to serve HTTP on, and that other runtimes forward queries to (default:"
              + " ${DEFAULT-VALUE}).")
  private String host;

  @Option(
      names = "--port",
      converter = PortConverter.class,
      paramLabel = "N",
      defaultValue = "8085",
      description = "The HTTP port (default: ${DEFAULT-VALUE}).")
  private int port;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description = "Where deployments keep their state (default: DATA_DIR/runtime-PORT).")
  private Path stateDir;

  @Option(
      names = "--instance-name",
      paramLabel = "NAME",
      description =
          "A name that stays the same across restarts, for static group membership (default:"
              + " HOST-PORT).")
  private String instanceName;

  @Option(
      names = "--standby-replicas",
      paramLabel = "N",
      defaultValue = "0",
      description = "Warm copies of each store on other runtimes (default: ${DEFAULT-VALUE}).")
  private int standbyReplicas;

  @Option(
      names = "--replication-factor",
      paramLabel = "N",
      defaultValue = "-1",
      description = "Replication factor of the topics it creates (default: the broker's).")
  private short replicationFactor;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    String token = operator.token();
    if (token == null && !ListenAddress.loopback(host)) {
      throw new PlatformSetupException(
          "A runtime on "
              + host
              + " would let anyone who reaches it deploy a jar, and so run its code: give it an"
              + " operator token with --operator-token-file");
    }
    PlatformEndpoints local =
        bootstrapServer == null || registryUrl == null
            ? dataDir.endpoints("pass --bootstrap-server and --registry-url")
            : null;
    String kafka = bootstrapServer != null ? bootstrapServer : local.kafka().bootstrap();
    String registry = registryUrl != null ? registryUrl : local.registry().url();
    if (host.equals("127.0.0.1") && !LoopbackPorts.isFree(port)) {
      throw new PlatformSetupException(
          "Port " + port + " is already in use: choose another with --port");
    }
    RuntimeSettings settings;
    try {
      settings =
          RuntimeSettings.of(
                  kafka, stateDir != null ? stateDir : dataDir.path().resolve("runtime-" + port))
              .withHttp(host, port)
              .withStandbyReplicas(standbyReplicas)
              .withReplicationFactor(replicationFactor)
              .withKafkaClientSettings(clientConfig.settings())
              .withDeploymentDefaults(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry));
      if (instanceName != null) {
        settings = settings.withInstanceName(instanceName);
      }
      if (token != null) {
        settings = settings.withOperatorToken(token);
      }
    } catch (IllegalArgumentException e) {
      throw new PlatformSetupException(e.getMessage());
    }
    out.println("Starting a topology runtime on Kafka " + kafka + " ...");
    out.flush();
    CompletableFuture<TopologyRuntime> started = new CompletableFuture<>();
    CountDownLatch stopped = new CountDownLatch(1);
    // Registered before the start, which runs again every deployment of the journal: a signal
    // meanwhile waits for it, then closes them all: none ends uncleanly, which under exactly-once
    // can cost a restore of its stores from their changelogs.
    Thread stopOnSignal =
        new Thread(
            () -> {
              try {
                started.join().close();
              } catch (CompletionException startFailed) {
                // the start stopped what it had started
              }
              stopped.countDown();
            },
            "runtime-stop");
    Runtime.getRuntime().addShutdownHook(stopOnSignal);
    TopologyRuntime runtime;
    try {
      runtime =
          TopologyRuntime.start(settings, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    } catch (RuntimeException | Error e) {
      started.completeExceptionally(e); // else the hook would wait for ever, and the JVM with it
      throw e;
    }
    started.complete(runtime);
    out.println(
        "Topology runtime is up at "
            + runtime.url()
            + " with "
            + runtime.deployments().size()
            + " deployment(s)");
    out.flush();
    stopped.await();
    return 0;
  }
}
