package io.tideway.deploy.connect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The connector files say what the embedded relay does, and say it alike. */
class ConnectorFilesTest {

  @Test
  void theJsonCarriesEverySharedSettingUnchanged() throws Exception {
    Map<String, String> json = ConnectorFiles.jsonConfig();

    assertThat(json).containsAllEntriesOf(ConnectorFiles.shared());
    assertThat(json).containsKeys(ConnectorFiles.CONNECTION.toArray(String[]::new));
    // Kafka Connect has no dead-letter topic for source connectors: skip and log instead of stop.
    assertThat(json)
        .containsEntry("errors.tolerance", "all")
        .containsEntry("errors.log.enable", "true");
    assertThat(json.get("database.password")).startsWith("${").endsWith("}");
  }

  @Test
  void theStrimziConnectorSaysWhatTheJsonSaysWithSecretsFromKubernetes() throws Exception {
    JsonNode resource = ConnectorFiles.strimziConnector();
    Map<String, String> json = ConnectorFiles.jsonConfig();

    assertThat(resource.path("kind").asText()).isEqualTo("KafkaConnector");
    assertThat(resource.path("metadata").path("name").asText())
        .isEqualTo(ConnectorFiles.jsonName());
    assertThat(resource.path("spec").path("class").asText()).isEqualTo(json.get("connector.class"));
    assertThat(resource.path("spec").path("tasksMax").asText()).isEqualTo(json.get("tasks.max"));

    Map<String, String> strimzi = ConnectorFiles.strings(resource.path("spec").path("config"));
    Map<String, String> jsonWithoutSecrets = new HashMap<>(json);
    jsonWithoutSecrets.keySet().removeAll(List.of("connector.class", "tasks.max"));
    jsonWithoutSecrets.remove("database.user");
    jsonWithoutSecrets.remove("database.password");
    Map<String, String> strimziWithoutSecrets = new HashMap<>(strimzi);
    strimziWithoutSecrets.remove("database.user");
    strimziWithoutSecrets.remove("database.password");
    assertThat(strimziWithoutSecrets).isEqualTo(jsonWithoutSecrets);
    assertThat(strimzi.get("database.password")).startsWith("${secrets:");
    assertThat(strimzi.get("database.user")).startsWith("${secrets:");
  }
}
