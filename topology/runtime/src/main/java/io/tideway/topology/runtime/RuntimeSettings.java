package io.tideway.topology.runtime;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * How a {@link TopologyRuntime} runs: the cluster, where state lives, the HTTP address other
 * instances and clients reach it on, and the defaults every deployment gets. Immutable; the {@code
 * with} methods return copies.
 */
public final class RuntimeSettings {

  private final String bootstrapServers;
  private final Path stateDir;
  private String host = "127.0.0.1";
  private int port;
  private String instanceName;
  private int standbyReplicas;
  private short replicationFactor = -1;
  private Map<String, String> deploymentDefaults = Map.of();
  private Map<String, String> kafkaClientSettings = Map.of();
  private String operatorToken;
  private Predicate<Path> notResumed = jar -> false;

  private RuntimeSettings(String bootstrapServers, Path stateDir) {
    this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    this.stateDir = Objects.requireNonNull(stateDir, "stateDir");
  }

  private RuntimeSettings copy() {
    RuntimeSettings copy = new RuntimeSettings(bootstrapServers, stateDir);
    copy.host = host;
    copy.port = port;
    copy.instanceName = instanceName;
    copy.standbyReplicas = standbyReplicas;
    copy.replicationFactor = replicationFactor;
    copy.deploymentDefaults = deploymentDefaults;
    copy.kafkaClientSettings = kafkaClientSettings;
    copy.operatorToken = operatorToken;
    copy.notResumed = notResumed;
    return copy;
  }

  /**
   * A runtime on a cluster, keeping each application's state under {@code stateDir/<application
   * id>}, serving HTTP on a free loopback port, with no standby replicas and the broker's default
   * replication factor.
   */
  public static RuntimeSettings of(String bootstrapServers, Path stateDir) {
    return new RuntimeSettings(bootstrapServers, stateDir);
  }

  /**
   * This runtime serving HTTP on {@code host:port}, which is also the address other instances
   * forward queries to ({@code application.server}); port 0 takes a free port.
   */
  public RuntimeSettings withHttp(String host, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("Port must be 0-65535, not " + port);
    }
    RuntimeSettings copy = copy();
    copy.host = Objects.requireNonNull(host, "host");
    copy.port = port;
    return copy;
  }

  /**
   * This runtime with a name that stays the same across its restarts: it makes the static group
   * membership ids of its applications ({@code group.instance.id}), so a restart within the session
   * timeout moves no partition. Defaults to {@code <host>-<port>}.
   */
  public RuntimeSettings withInstanceName(String instanceName) {
    if (instanceName == null || !instanceName.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException(
          "An instance name is letters, digits, '.', '_' and '-', not " + instanceName);
    }
    RuntimeSettings copy = copy();
    copy.instanceName = instanceName;
    return copy;
  }

  /** This runtime keeping {@code standbyReplicas} warm copies of each store on other instances. */
  public RuntimeSettings withStandbyReplicas(int standbyReplicas) {
    if (standbyReplicas < 0) {
      throw new IllegalArgumentException("Standby replicas cannot be negative");
    }
    RuntimeSettings copy = copy();
    copy.standbyReplicas = standbyReplicas;
    return copy;
  }

  /** This runtime creating internal and dead-letter topics with a replication factor. */
  public RuntimeSettings withReplicationFactor(short replicationFactor) {
    if (replicationFactor < 1 && replicationFactor != -1) {
      throw new IllegalArgumentException(
          "Replication factor must be positive, or -1 for the broker's");
    }
    RuntimeSettings copy = copy();
    copy.replicationFactor = replicationFactor;
    return copy;
  }

  /**
   * This runtime giving every deployment these settings under its own: serde settings such as
   * {@code schema.registry.url}, Kafka Streams settings, topology settings.
   */
  public RuntimeSettings withDeploymentDefaults(Map<String, String> defaults) {
    RuntimeSettings copy = copy();
    copy.deploymentDefaults = Map.copyOf(new LinkedHashMap<>(defaults));
    return copy;
  }

  /**
   * This runtime reaching the cluster with these settings in every Kafka client it makes — its own,
   * and every deployment's under the deployment's settings: {@code security.protocol}, {@code
   * sasl.*}, {@code ssl.*} and the like.
   *
   * @throws IllegalArgumentException for {@code bootstrap.servers}, which the runtime is made with
   */
  public RuntimeSettings withKafkaClientSettings(Map<String, String> settings) {
    if (settings.containsKey("bootstrap.servers")) {
      throw new IllegalArgumentException(
          "bootstrap.servers is the runtime's cluster, not a client setting");
    }
    RuntimeSettings copy = copy();
    copy.kafkaClientSettings = Map.copyOf(new LinkedHashMap<>(settings));
    return copy;
  }

  /**
   * This runtime changing what it runs only at the request of those who hold {@code token}: a
   * deploy, an undeploy, a reset or a rebuild without {@code Authorization: Bearer <token>} is
   * refused with {@code 401}. Queries, health and metrics stay open. Without a token anyone who
   * reaches the HTTP port may deploy a jar, and so run its code.
   *
   * @throws IllegalArgumentException for a blank token
   */
  public RuntimeSettings withOperatorToken(String token) {
    if (token == null || token.isBlank() || !token.strip().equals(token)) {
      throw new IllegalArgumentException(
          "An operator token must be non-blank, without leading or trailing white space");
    }
    RuntimeSettings copy = copy();
    copy.operatorToken = token;
    return copy;
  }

  /**
   * This runtime not running again, when it starts, what it ran last from the jars {@code jars}
   * accepts: they stay in its journal, for a later start without this setting to run them again.
   */
  public RuntimeSettings withJarsNotResumed(Predicate<Path> jars) {
    RuntimeSettings copy = copy();
    copy.notResumed = Objects.requireNonNull(jars, "jars");
    return copy;
  }

  /** The cluster's {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The directory under which each application keeps its state. */
  public Path stateDir() {
    return stateDir;
  }

  /** The HTTP host. */
  public String host() {
    return host;
  }

  /** The HTTP port; 0 for a free one. */
  public int port() {
    return port;
  }

  /** The instance name, or null for {@code <host>-<port>}. */
  public String instanceName() {
    return instanceName;
  }

  /** Standby replicas per store. */
  public int standbyReplicas() {
    return standbyReplicas;
  }

  /** Replication factor of the topics the runtime creates; -1 for the broker's default. */
  public short replicationFactor() {
    return replicationFactor;
  }

  /** Settings every deployment gets under its own. */
  public Map<String, String> deploymentDefaults() {
    return deploymentDefaults;
  }

  /** Settings every Kafka client of the runtime gets, deployments' included. */
  public Map<String, String> kafkaClientSettings() {
    return kafkaClientSettings;
  }

  /** The token operator requests must carry, or null when they need none. */
  String operatorToken() {
    return operatorToken;
  }

  /** Whether what ran from a jar is left out when the runtime starts. */
  boolean notResumed(Path jar) {
    return notResumed.test(jar);
  }
}
