package io.tideway.schemas.registry;

import static io.tideway.schemas.registry.RegistryHttp.levelBody;
import static io.tideway.schemas.registry.RegistryHttp.schemaBody;
import static io.tideway.schemas.registry.RunningRegistry.field;
import static io.tideway.schemas.registry.RunningRegistry.optionalField;
import static io.tideway.schemas.registry.RunningRegistry.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tideway.schemas.client.HttpSchemaRegistryClient;
import io.tideway.schemas.client.RegistryException;
import io.tideway.schemas.registry.RegistryHttp.Answer;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A registry open only to its users: who gets in, and what a reader may not do. */
@TidewayTest
class RegistryUsersIT {

  private static final String USER_V1 = record("User", field("id", "long"));
  private static final String USER_V2 = record("User", field("id", "long"), optionalField("name"));

  private final String writerPassword = UUID.randomUUID().toString();
  private final String readerPassword = UUID.randomUUID().toString();
  private RunningRegistry registry;
  private RegistryHttp writer;
  private RegistryHttp reader;

  @BeforeEach
  void startRegistry(TestKafka kafka) throws InterruptedException {
    RegistryUsers users =
        RegistryUsers.parse(
            "# who may use it\n"
                + "ci: "
                + writerPassword
                + ", writer\n\n"
                + "dashboards: "
                + readerPassword
                + ", reader\n",
            "users");
    registry = RunningRegistry.start(kafka, RunningRegistry.storeTopic(kafka), users);
    writer = registry.http.as("ci", writerPassword);
    reader = registry.http.as("dashboards", readerPassword);
  }

  @AfterEach
  void stopRegistry() {
    registry.close();
  }

  @Test
  void refusesRequestsWithoutAKnownUsersCredentialsWithTheBasicChallenge() {
    RegistryHttp[] strangers = {
      registry.http, registry.http.as("ci", "wrong"), registry.http.as("nobody", writerPassword)
    };
    for (RegistryHttp stranger : strangers) {
      Answer read = stranger.get("/subjects");
      assertThat(read.status()).isEqualTo(401);
      assertThat(read.errorCode()).isEqualTo(401);
      assertThat(read.challenge()).startsWith("Basic realm=");
      Answer write = stranger.post("/subjects/users-value/versions", schemaBody(USER_V1));
      assertThat(write.status()).isEqualTo(401);
    }
    // Nothing was registered; probes and scrapers need no credentials.
    assertThat(writer.get("/subjects").json()).isEmpty();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> registry.http.get("/health/ready").status() == 200);
    assertThat(registry.http.get("/metrics").body())
        .contains("schema_registry_requests_refused_total{reason=\"unauthenticated\"} 6.0");
  }

  @Test
  void aReaderReadsAndFindsRegisteredSchemasButChangesNothing() {
    int id = writer.register("users-value", USER_V1);

    assertThat(reader.get("/subjects").json().get(0).asText()).isEqualTo("users-value");
    assertThat(reader.get("/schemas/ids/" + id).status()).isEqualTo(200);
    assertThat(reader.post("/subjects/users-value", schemaBody(USER_V1)).status()).isEqualTo(200);
    assertThat(
            reader
                .post("/compatibility/subjects/users-value/versions/latest", schemaBody(USER_V2))
                .status())
        .isEqualTo(200);
    // A producer that registers at every start gets the id of what is already there.
    Answer again = reader.post("/subjects/users-value/versions", schemaBody(USER_V1));
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().path("id").asInt()).isEqualTo(id);

    List<Answer> refused =
        List.of(
            reader.post("/subjects/users-value/versions", schemaBody(USER_V2)),
            reader.put("/config/users-value", levelBody("NONE")),
            reader.put("/config", levelBody("NONE")),
            reader.delete("/config"),
            reader.delete("/subjects/users-value/versions/1"),
            reader.delete("/subjects/users-value"),
            reader.put("/mode", "{\"mode\":\"IMPORT\"}"),
            reader.delete("/mode/users-value"),
            reader.post(
                "/subjects/users-value/versions",
                "{\"schema\":" + RegistryHttp.JSON.valueToTree(USER_V1) + ",\"id\":99}"));
    assertThat(refused)
        .allSatisfy(
            answer -> {
              assertThat(answer.status()).isEqualTo(403);
              assertThat(answer.errorCode()).isEqualTo(40301);
              assertThat(answer.message()).contains("a reader cannot");
            });
    assertThat(writer.get("/subjects/users-value/versions").json()).hasSize(1);
    assertThat(writer.get("/config").json().path("compatibilityLevel").asText())
        .isEqualTo("BACKWARD");
    assertThat(writer.get("/mode").body()).isEqualTo("{\"mode\":\"READWRITE\"}");
  }

  @Test
  void theSerdesClientAuthenticatesWithUserInfo() {
    Schema schema = new Schema.Parser().parse(USER_V1);
    List<String> url = List.of(registry.server.url());
    try (HttpSchemaRegistryClient ci =
            new HttpSchemaRegistryClient(
                url, HttpSchemaRegistryClient.Settings.DEFAULTS, "ci:" + writerPassword);
        HttpSchemaRegistryClient stranger =
            new HttpSchemaRegistryClient(
                url, HttpSchemaRegistryClient.Settings.DEFAULTS, "ci:wrong")) {
      int id = ci.register("users-value", schema);

      assertThat(ci.schemaById(id)).isEqualTo(schema);
      assertThatThrownBy(() -> stranger.schemaById(id))
          .isInstanceOfSatisfying(
              RegistryException.class, e -> assertThat(e.httpStatus()).isEqualTo(401));
    }
  }
}
