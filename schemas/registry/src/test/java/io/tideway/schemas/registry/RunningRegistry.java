package io.tideway.schemas.registry;

import io.tideway.testkit.TestKafka;
import java.util.Map;

/** A started server on a test's broker, with an HTTP client on it; closing stops the server. */
final class RunningRegistry implements AutoCloseable {

  final SchemaRegistryServer server;
  final RegistryHttp http;

  private RunningRegistry(SchemaRegistryServer server) {
    this.server = server;
    this.http = new RegistryHttp(server.url());
  }

  /** Starts a server whose store is {@code topic}, on a free port. */
  static RunningRegistry start(TestKafka kafka, String topic) throws InterruptedException {
    return start(kafka, topic, null);
  }

  /** Starts a server whose store is {@code topic}, on a free port, open only to these users. */
  static RunningRegistry start(TestKafka kafka, String topic, RegistryUsers users)
      throws InterruptedException {
    SchemaRegistryServer server =
        new SchemaRegistryServer(
            SchemaRegistryServer.Settings.of(kafka.bootstrapServers())
                .withTopic(topic)
                .withPort(0)
                .withUsers(users));
    server.start();
    return new RunningRegistry(server);
  }

  /** A store topic the test kit deletes after the test, created as the server would. */
  static String storeTopic(TestKafka kafka) {
    return kafka.createTopic("_schemas", 1, Map.of("cleanup.policy", "compact"));
  }

  /** An Avro record schema with the given fields, each a JSON object. */
  static String record(String name, String... fields) {
    return "{\"type\":\"record\",\"name\":\""
        + name
        + "\",\"namespace\":\"io.tideway.test\",\"fields\":["
        + String.join(",", fields)
        + "]}";
  }

  static String field(String name, String type) {
    return "{\"name\":\"" + name + "\",\"type\":\"" + type + "\"}";
  }

  static String optionalField(String name) {
    return "{\"name\":\"" + name + "\",\"type\":[\"null\",\"string\"],\"default\":null}";
  }

  @Override
  public void close() {
    server.close();
  }
}
