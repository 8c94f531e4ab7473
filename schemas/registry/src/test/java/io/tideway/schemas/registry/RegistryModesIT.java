package io.tideway.schemas.registry;

import static io.tideway.schemas.registry.RegistryHttp.JSON;
import static io.tideway.schemas.registry.RegistryHttp.levelBody;
import static io.tideway.schemas.registry.RegistryHttp.schemaBody;
import static io.tideway.schemas.registry.RunningRegistry.field;
import static io.tideway.schemas.registry.RunningRegistry.optionalField;
import static io.tideway.schemas.registry.RunningRegistry.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.schemas.client.RegistryException;
import io.tideway.schemas.client.RegistryState;
import io.tideway.schemas.registry.RegistryHttp.Answer;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The registry's modes ({@code /mode}): read-only, and imports with the ids of another registry.
 */
@TidewayTest
class RegistryModesIT {

  private static final String USER_V1 = record("User", field("id", "long"));
  private static final String USER_V2 = record("User", field("id", "long"), optionalField("name"));
  private static final String ORDER = record("Order", field("id", "string"));

  private String topic;
  private RunningRegistry registry;
  private RegistryHttp http;

  @BeforeEach
  void startRegistry(TestKafka kafka) throws InterruptedException {
    topic = RunningRegistry.storeTopic(kafka);
    registry = RunningRegistry.start(kafka, topic);
    http = registry.http;
  }

  @AfterEach
  void stopRegistry() {
    registry.close();
  }

  @Test
  void shouldServeReadsButRefuseChangesToSchemasInReadOnlyMode() {
    int v1 = http.register("users-value", USER_V1);

    assertThat(http.put("/mode", modeBody("readonly")).body()).isEqualTo("{\"mode\":\"READONLY\"}");

    assertThat(http.get("/mode").body()).isEqualTo("{\"mode\":\"READONLY\"}");
    // What the subject has already is answered, as a lookup: a producer registering at start runs.
    assertThat(http.register("users-value", USER_V1)).isEqualTo(v1);
    assertNotPermitted(
        http.post("/subjects/users-value/versions", schemaBody(USER_V2)),
        "Subject 'users-value' is in read-only mode");
    assertNotPermitted(http.delete("/subjects/users-value"), "read-only mode");
    assertNotPermitted(http.delete("/subjects/users-value/versions/1"), "read-only mode");
    assertThat(http.post("/subjects/users-value", schemaBody(USER_V1)).status()).isEqualTo(200);
    assertThat(http.get("/schemas/ids/" + v1).status()).isEqualTo(200);
    // Levels are frozen too, as in Confluent's.
    assertNotPermitted(http.put("/config/users-value", levelBody("NONE")), "read-only mode");
    assertNotPermitted(http.put("/config", levelBody("NONE")), "The registry is in read-only mode");
    assertNotPermitted(http.delete("/config"), "read-only mode");

    http.put("/mode", modeBody("READWRITE"));
    assertThat(http.register("users-value", USER_V2)).isGreaterThan(v1);
  }

  @Test
  void shouldImportSchemasWithTheIdsAndVersionsTheyHadInAnotherRegistry() {
    assertThat(http.put("/mode", modeBody("IMPORT")).status()).isEqualTo(200);

    assertThat(importSchema("users-value", USER_V1, 100, 3).body()).isEqualTo("{\"id\":100}");
    assertThat(importSchema("users-value", USER_V2, 105, 4).status()).isEqualTo(200);
    // No compatibility check: the history is copied as it was.
    assertThat(importSchema("users-value", ORDER, 102, 7).status()).isEqualTo(200);
    // The same schema under another subject, with its one id.
    assertThat(importSchema("orders-value", ORDER, 102, 1).status()).isEqualTo(200);
    // Again, as an interrupted import run once more: nothing changes.
    assertThat(importSchema("users-value", USER_V1, 100, 3).body()).isEqualTo("{\"id\":100}");

    assertNotPermitted(importSchema("users-value", ORDER, 100, 9), "id 100 holds another schema");
    assertNotPermitted(importSchema("users-value", ORDER, 102, 3), "version 3 holds id 100");
    assertNotPermitted(
        http.post("/subjects/users-value/versions", schemaBody(record("New", field("x", "int")))),
        "is in import mode");
    assertThat(importSchema("users-value", USER_V1, 0, 1).errorCode())
        .isEqualTo(RegistryException.INVALID_SCHEMA);
    // Without a version: where the subject has the id already, nothing changes.
    assertThat(
            http.post(
                    "/subjects/users-value/versions",
                    JSON.createObjectNode().put("schema", USER_V2).put("id", 105).toString())
                .body())
        .isEqualTo("{\"id\":105}");

    assertThat(http.get("/subjects/users-value/versions").body()).isEqualTo("[3,4,7]");
    assertThat(http.get("/subjects/users-value/versions/3").json().path("id").asInt())
        .isEqualTo(100);
    assertThat(http.get("/schemas/ids/105").json().path("schema").asText())
        .isEqualTo(RegistryState.canonical(USER_V2));

    http.put("/mode", modeBody("READWRITE"));
    assertNotPermitted(importSchema("users-value", USER_V1, 100, 3), "not in import mode");
    // A negative id is no id, as in Confluent's: a registration.
    assertThat(
            http.post(
                    "/subjects/users-value/versions",
                    JSON.createObjectNode().put("schema", USER_V2).put("id", -1).toString())
                .body())
        .isEqualTo("{\"id\":105}");
    // New ids follow the highest imported one; new versions the subject's last.
    int id = http.register("fresh-value", record("Fresh", field("x", "int")));
    assertThat(id).isEqualTo(106);
    http.setLevel("users-value", "NONE");
    http.register("users-value", record("Other", field("y", "int")));
    assertThat(http.get("/subjects/users-value/versions").body()).isEqualTo("[3,4,7,8]");
  }

  @Test
  void shouldSetImportModeOnlyWhereNothingIsRegisteredUnlessForced() {
    http.register("users-value", USER_V1);

    assertNotPermitted(http.put("/mode", modeBody("IMPORT")), "found existing subjects");
    assertNotPermitted(
        http.put("/mode/users-value", modeBody("IMPORT")),
        "found existing versions of subject 'users-value'");
    assertThat(http.put("/mode/orders-value", modeBody("IMPORT")).status()).isEqualTo(200);
    assertThat(importSchema("orders-value", ORDER, 50, 1).status()).isEqualTo(200);

    assertThat(http.put("/mode?force=true", modeBody("IMPORT")).status()).isEqualTo(200);
    assertThat(http.get("/mode").body()).isEqualTo("{\"mode\":\"IMPORT\"}");
  }

  @Test
  void shouldKeepEachSubjectsOwnModeUnderAGlobalOverrideAndAfterARestart(TestKafka kafka)
      throws InterruptedException {
    http.register("users-value", USER_V1);
    http.register("orders-value", ORDER);

    assertThat(http.put("/mode/users-value", modeBody("READONLY")).status()).isEqualTo(200);
    assertThat(http.put("/mode/orders-value", modeBody("READWRITE")).status()).isEqualTo(200);
    assertNotPermitted(
        http.post("/subjects/users-value/versions", schemaBody(USER_V2)), "read-only mode");

    Answer none = http.get("/mode/fresh-value");
    assertThat(none.status()).isEqualTo(404);
    assertThat(none.errorCode()).isEqualTo(RegistryException.SUBJECT_MODE_NOT_CONFIGURED);
    assertThat(http.get("/mode/fresh-value?defaultToGlobal=true").body())
        .isEqualTo("{\"mode\":\"READWRITE\"}");
    Answer invalid = http.put("/mode", modeBody("SOMETIMES"));
    assertThat(invalid.status()).isEqualTo(422);
    assertThat(invalid.errorCode()).isEqualTo(RegistryException.INVALID_MODE);

    // A global READONLY_OVERRIDE wins over a subject's own READWRITE.
    http.put("/mode", modeBody("READONLY_OVERRIDE"));
    assertThat(http.get("/mode/orders-value?defaultToGlobal=true").body())
        .isEqualTo("{\"mode\":\"READONLY_OVERRIDE\"}");
    assertNotPermitted(
        http.post(
            "/subjects/orders-value/versions",
            schemaBody(record("Order", field("id", "string"), optionalField("note")))),
        "read-only mode");

    registry.close();
    registry = RunningRegistry.start(kafka, topic);
    http = registry.http;

    assertThat(http.get("/mode").body()).isEqualTo("{\"mode\":\"READONLY_OVERRIDE\"}");
    assertThat(http.get("/mode/users-value").body()).isEqualTo("{\"mode\":\"READONLY\"}");
    assertThat(http.delete("/mode/users-value").body()).isEqualTo("{\"mode\":\"READONLY\"}");
    assertThat(http.delete("/mode/users-value").errorCode())
        .isEqualTo(RegistryException.SUBJECT_NOT_FOUND);
    http.put("/mode", modeBody("READWRITE"));
    assertThat(http.register("users-value", USER_V2)).isPositive();
  }

  private Answer importSchema(String subject, String schema, int id, int version) {
    return http.post(
        "/subjects/" + subject + "/versions",
        JSON.createObjectNode()
            .put("schema", schema)
            .put("id", id)
            .put("version", version)
            .toString());
  }

  private static String modeBody(String mode) {
    return JSON.createObjectNode().put("mode", mode).toString();
  }

  private static void assertNotPermitted(Answer answer, String why) {
    assertThat(answer.status()).as(answer.body()).isEqualTo(422);
    assertThat(answer.errorCode()).isEqualTo(RegistryException.OPERATION_NOT_PERMITTED);
    assertThat(answer.message()).contains(why);
  }
}
