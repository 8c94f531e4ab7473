package io.tideway.testkit;

import io.tideway.deploy.embedded.EmbeddedKafka;
import io.tideway.deploy.embedded.LoopbackPorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A broker of a test's own that lets one user in through a SASL/PLAIN listener, beside a plaintext
 * listener the test's own clients use (as {@code ANONYMOUS}). The user's password is made for the
 * test. For tests that a component reaches a secured cluster with the client settings it is given.
 */
public final class SecuredKafka implements AutoCloseable {

  private static final Duration START = Duration.ofSeconds(90);

  private final String user;
  private final String password = UUID.randomUUID().toString();
  private final int plainPort;
  private final int saslPort;
  private final EmbeddedKafka broker;

  private SecuredKafka(Path dir, String user, Map<String, String> more) {
    this.user = user;
    this.plainPort = LoopbackPorts.pickFree();
    this.saslPort = LoopbackPorts.pickFree();
    int controllerPort = LoopbackPorts.pickFree();
    Map<String, String> config =
        new HashMap<>(
            Map.of(
                "listeners",
                "PLAINTEXT://127.0.0.1:%d,SASL_PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d"
                    .formatted(plainPort, saslPort, controllerPort),
                "advertised.listeners",
                "PLAINTEXT://127.0.0.1:%d,SASL_PLAINTEXT://127.0.0.1:%d"
                    .formatted(plainPort, saslPort),
                "listener.security.protocol.map",
                "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
                "sasl.enabled.mechanisms",
                "PLAIN",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                plainLogin("user_" + user + "=\"" + password + "\"")));
    config.putAll(more);
    this.broker = new EmbeddedKafka(dir, plainPort, controllerPort, config);
  }

  /**
   * Starts a broker keeping its log under {@code dir}, where {@code user} logs in.
   *
   * @param more broker settings on top, such as an authorizer
   */
  public static SecuredKafka start(Path dir, String user, Map<String, String> more)
      throws Exception {
    SecuredKafka kafka = new SecuredKafka(dir, user, more);
    kafka.broker.start(START);
    return kafka;
  }

  /** The plaintext listener, for the test's own clients. */
  public String plaintextBootstrap() {
    return "127.0.0.1:" + plainPort;
  }

  /** The SASL listener, for the component under test. */
  public String saslBootstrap() {
    return "127.0.0.1:" + saslPort;
  }

  /** The client settings that log the user in through the SASL listener. */
  public Map<String, String> clientSettings() {
    return Map.of(
        "security.protocol",
        "SASL_PLAINTEXT",
        "sasl.mechanism",
        "PLAIN",
        "sasl.jaas.config",
        plainLogin("username=\"" + user + "\" password=\"" + password + "\""));
  }

  private static String plainLogin(String options) {
    return "org.apache.kafka.common.security.plain.PlainLoginModule required " + options + ";";
  }

  @Override
  public void close() {
    broker.close();
  }
}
