package io.tideway.cli;

import io.tideway.deploy.embedded.LoopbackPorts;
import io.tideway.deploy.platform.PlatformSetupException;
import io.tideway.schemas.registry.RegistryUsers;
import io.tideway.schemas.registry.SchemaRegistryServer;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tideway registry}: one schema registry instance, until Ctrl-C or SIGTERM. */
@Command(
    name = "registry",
    mixinStandardHelpOptions = true,
    description = {
      "Run a schema registry instance (Confluent's REST API) storing its schemas in a compacted"
          + " Kafka topic; several instances on one topic share the same content.",
      "'tideway up' already runs one; use this for more instances or an external Kafka."
    },
    subcommands = RegistryCommand.HashPasswordCommand.class)
final class RegistryCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;
  @Mixin private DataDirOption dataDir;
  @Mixin private KafkaClientConfigOption clientConfig;

  @Option(
      names = "--bootstrap-server",
      paramLabel = "HOST:PORT",
      defaultValue = "${env:TIDEWAY_BOOTSTRAP_SERVER}",
      description = "Kafka to store schemas in (default: the local platform's).")
  private String bootstrapServer;

  @Option(
      names = "--port",
      converter = PortConverter.class,
      paramLabel = "N",
      defaultValue = "${env:TIDEWAY_REGISTRY_PORT:-8081}",
      description = "HTTP port on --host (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  private int port;

  @Option(
      names = "--host",
      defaultValue = SchemaRegistryServer.Settings.DEFAULT_HOST,
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  private String host;

  @Option(
      names = "--topic",
      defaultValue = SchemaRegistryServer.Settings.DEFAULT_TOPIC,
      description = "The compacted store topic (default: ${DEFAULT-VALUE}).")
  private String topic;

  @Option(
      names = "--replication-factor",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Replication factor of the store topic when it is created (default: 1; use 3 on a cluster).")
  private int replicationFactor;

  @Option(
      names = "--users-file",
      paramLabel = "FILE",
      defaultValue = "${env:TIDEWAY_REGISTRY_USERS_FILE}",
      description =
          "Who may use the registry (env TIDEWAY_REGISTRY_USERS_FILE): a line per user,"
              + " 'name: password, reader|writer', the password plain or as 'tideway registry"
              + " hash-password' writes it; clients then send HTTP Basic credentials"
              + " (basic.auth.user.info, or user:password@ in the URL). Without it anyone who"
              + " reaches the port reads and writes.")
  private Path usersFile;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    String bootstrap =
        bootstrapServer != null
            ? bootstrapServer
            : dataDir.endpoints("pass --bootstrap-server").kafka().bootstrap();
    RegistryUsers users = users();
    if (users == null && !ListenAddress.loopback(host)) {
      throw new PlatformSetupException(
          "A schema registry on "
              + host
              + " would let anyone who reaches it delete or replace the schemas every producer"
              + " and consumer depends on: give it users with --users-file");
    }
    if (port != 0 && !LoopbackPorts.isFree(port)) {
      throw new PlatformSetupException(
          "Port " + port + " is already in use: choose another with --port");
    }
    SchemaRegistryServer.Settings settings;
    try {
      settings =
          SchemaRegistryServer.Settings.of(bootstrap)
              .withTopic(topic)
              .withHost(host)
              .withPort(port)
              .withReplicationFactor(replicationFactor)
              .withKafka(clientConfig.settings())
              .withUsers(users);
    } catch (IllegalArgumentException e) {
      throw new PlatformSetupException(e.getMessage());
    }
    SchemaRegistryServer server = new SchemaRegistryServer(settings);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                },
                "registry-stop"));
    out.println("Starting the schema registry on Kafka " + bootstrap + ", topic " + topic + " ...");
    out.flush();
    server.start();
    out.println("Schema registry is ready at " + server.url());
    out.flush();
    stopped.await();
    return 0;
  }

  /**
   * {@code tideway registry hash-password}: a password read from the terminal or standard input, in
   * the hashed form a users file takes.
   */
  @Command(
      name = "hash-password",
      mixinStandardHelpOptions = true,
      description = {
        "Print a password in the hashed form a --users-file takes, so that the file does not give"
            + " it away: 'name: <printed>, writer'.",
        "The password is read from the terminal without echo, or from the first line of standard"
            + " input."
      })
  static final class HashPasswordCommand implements Callable<Integer> {
    @Spec private CommandSpec spec;

    @Option(
        names = "--iterations",
        paramLabel = "N",
        defaultValue = "" + RegistryUsers.DEFAULT_ITERATIONS,
        description =
            "PBKDF2 iterations (default: ${DEFAULT-VALUE}): each costs the registry this once per"
                + " user, and once per wrong password.")
    private int iterations;

    @Override
    public Integer call() throws IOException {
      String password = readPassword();
      if (password == null || password.isEmpty()) {
        throw new PlatformSetupException("No password given on the terminal or standard input");
      }
      String hashed;
      try {
        hashed = RegistryUsers.hash(password, iterations);
      } catch (IllegalArgumentException e) {
        throw new PlatformSetupException(e.getMessage());
      }
      spec.commandLine().getOut().println(hashed);
      spec.commandLine().getOut().flush();
      return 0;
    }

    private static String readPassword() throws IOException {
      Console console = System.console();
      if (console != null) {
        char[] typed = console.readPassword("Password: ");
        return typed == null ? null : new String(typed);
      }
      return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
          .readLine();
    }
  }

  /** The users of {@code --users-file}; null without the option. */
  private RegistryUsers users() {
    if (usersFile == null) {
      return null;
    }
    try {
      return RegistryUsers.read(usersFile);
    } catch (NoSuchFileException e) {
      throw new PlatformSetupException("No users file " + usersFile + " (--users-file)");
    } catch (IOException e) {
      throw new PlatformSetupException("Cannot read the users file " + usersFile + ": " + e);
    } catch (IllegalArgumentException e) {
      throw new PlatformSetupException(e.getMessage());
    }
  }
}
