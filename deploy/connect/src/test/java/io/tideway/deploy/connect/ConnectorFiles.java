package io.tideway.deploy.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/** The connector configurations of this folder, and the relay's shared settings they repeat. */
final class ConnectorFiles {

  static final Path JSON_FILE = Path.of("outbox-customer.json");
  static final Path STRIMZI_CONNECTOR = Path.of("strimzi", "kafka-connector-customer.yaml");

  /** Settings that name one deployment's database, secrets and slot, not the contract. */
  static final Set<String> CONNECTION =
      Set.of(
          "database.hostname",
          "database.port",
          "database.dbname",
          "database.user",
          "database.password",
          "slot.name",
          "topic.prefix");

  private ConnectorFiles() {}

  /** The settings in {@code outbox-connector.properties}, from the relay's jar. */
  static Map<String, String> shared() {
    Properties properties = new Properties();
    try (InputStream in =
        ConnectorFiles.class.getResourceAsStream(
            "/io/tideway/outbox/relay/outbox-connector.properties")) {
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> settings = new LinkedHashMap<>();
    properties
        .stringPropertyNames()
        .forEach(name -> settings.put(name, properties.getProperty(name)));
    return settings;
  }

  /** The {@code config} of the plain connector JSON. */
  static Map<String, String> jsonConfig() throws IOException {
    return strings(new ObjectMapper().readTree(JSON_FILE.toFile()).path("config"));
  }

  /** The name of the connector in the plain JSON. */
  static String jsonName() throws IOException {
    return new ObjectMapper().readTree(JSON_FILE.toFile()).path("name").asText();
  }

  /** The Strimzi resource, as a tree. */
  static JsonNode strimziConnector() throws IOException {
    return new ObjectMapper(new YAMLFactory()).readTree(STRIMZI_CONNECTOR.toFile());
  }

  static Map<String, String> strings(JsonNode object) {
    Map<String, String> values = new LinkedHashMap<>();
    object
        .fields()
        .forEachRemaining(field -> values.put(field.getKey(), field.getValue().asText()));
    return values;
  }
}
