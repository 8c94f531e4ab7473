package io.tideway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlatformEndpointsTest {

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void shouldWriteTheDocumentedShapeWithOnlyThePartsThatRun() throws Exception {
    // given
    PlatformEndpoints endpoints =
        PlatformEndpoints.of(
            new PlatformEndpoints.Kafka("127.0.0.1:9092"),
            new PlatformEndpoints.Postgres(
                "jdbc:postgresql://127.0.0.1:5432/postgres", "postgres"));

    // when
    JsonNode written = json.readTree(endpoints.toJson());

    // then
    assertThat(written.path("kafka").path("bootstrap").asText()).isEqualTo("127.0.0.1:9092");
    assertThat(written.path("postgres").path("jdbcUrl").asText())
        .isEqualTo("jdbc:postgresql://127.0.0.1:5432/postgres");
    assertThat(written.path("postgres").path("user").asText()).isEqualTo("postgres");
    assertThat(written.has("registry")).isFalse();
    assertThat(written.has("query")).isFalse();
    assertThat(written.has("services")).isFalse();
  }

  @Test
  void shouldNameEachServiceUnderServices() throws Exception {
    PlatformEndpoints endpoints =
        new PlatformEndpoints(
            new PlatformEndpoints.Kafka("127.0.0.1:9092"),
            null,
            new PlatformEndpoints.Http("http://127.0.0.1:8081"),
            new PlatformEndpoints.Http("http://127.0.0.1:8083"),
            new PlatformEndpoints.Http("http://127.0.0.1:7070"),
            Map.of("order", "http://127.0.0.1:8084", "customer", "http://127.0.0.1:8085"));

    JsonNode written = json.readTree(endpoints.toJson());

    assertThat(written.path("registry").path("url").asText()).isEqualTo("http://127.0.0.1:8081");
    assertThat(written.path("relay").path("url").asText()).isEqualTo("http://127.0.0.1:8083");
    assertThat(written.path("query").path("url").asText()).isEqualTo("http://127.0.0.1:7070");
    assertThat(written.path("services").path("customer").asText())
        .isEqualTo("http://127.0.0.1:8085");
    assertThat(written.has("postgres")).isFalse();
  }

  @Test
  void canReadBackWhatItWrote(@TempDir Path dir) throws Exception {
    PlatformEndpoints endpoints =
        PlatformEndpoints.of(
            new PlatformEndpoints.Kafka("127.0.0.1:19092"),
            new PlatformEndpoints.Postgres(
                "jdbc:postgresql://127.0.0.1:15432/postgres", "postgres"));

    endpoints.writeTo(dir);

    assertThat(PlatformEndpoints.readFrom(dir)).contains(endpoints);
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(dir.resolve(PlatformEndpoints.FILE_NAME));
    }
  }

  @Test
  void shouldFindNoPlatformWhereNoFileIs(@TempDir Path dir) throws Exception {
    assertThat(PlatformEndpoints.readFrom(dir)).isEmpty();
  }

  @Test
  void shouldIgnoreKeysAddedByNewerVersions() throws Exception {
    PlatformEndpoints read =
        PlatformEndpoints.fromJson(
            "{\"kafka\":{\"bootstrap\":\"h:1\"},\"future\":{\"url\":\"x\"}}");

    assertThat(read.kafka().bootstrap()).isEqualTo("h:1");
  }
}
