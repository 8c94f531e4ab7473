package io.tideway.schemas.registry;

import static io.tideway.schemas.registry.RegistryHttp.levelBody;
import static io.tideway.schemas.registry.RegistryHttp.schemaBody;
import static io.tideway.schemas.registry.RunningRegistry.field;
import static io.tideway.schemas.registry.RunningRegistry.optionalField;
import static io.tideway.schemas.registry.RunningRegistry.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.tideway.schemas.client.RegistryState;
import io.tideway.schemas.client.rest.RegistryApi;
import io.tideway.schemas.registry.RegistryHttp.Answer;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@TidewayTest
class SchemaRegistryServerIT {

  private static final String USER_V1 = record("User", field("id", "long"));
  private static final String USER_V2 = record("User", field("id", "long"), optionalField("name"));
  private static final String USER_V3 =
      record("User", field("id", "long"), optionalField("name"), optionalField("email"));

  /** Needs a value for {@code email} that data written with {@link #USER_V1} lacks. */
  private static final String USER_WITH_REQUIRED_EMAIL =
      record("User", field("id", "long"), field("email", "string"));

  private RunningRegistry registry;
  private RegistryHttp http;

  @BeforeEach
  void startRegistry(TestKafka kafka) throws InterruptedException {
    registry = RunningRegistry.start(kafka, RunningRegistry.storeTopic(kafka));
    http = registry.http;
  }

  @AfterEach
  void stopRegistry() {
    registry.close();
  }

  // ---- registration

  @Test
  void shouldGiveTheSameIdToTheSameSchemaRegisteredAgainInAnyFormatting() {
    // given
    int id = http.register("users-value", USER_V1);
    String reformatted =
        "{ \"name\" : \"User\",\n  \"type\" : \"record\",\n  \"fields\" : [ {\"type\": \"long\","
            + " \"name\": \"id\"} ],\n  \"namespace\" : \"io.tideway.test\" }";

    // when
    int again = http.register("users-value", USER_V1);
    int reformattedId = http.register("users-value", reformatted);

    // then
    assertThat(again).isEqualTo(id);
    assertThat(reformattedId).isEqualTo(id);
    assertThat(http.get("/subjects/users-value/versions").body()).isEqualTo("[1]");
  }

  @Test
  void shouldKeepTheIdOfASchemaRegisteredUnderAnotherSubject() {
    // given
    int id = http.register("users-value", USER_V1);

    // when
    int elsewhere = http.register("people-value", USER_V1);

    // then
    assertThat(elsewhere).isEqualTo(id);
    JsonNode version = http.get("/subjects/people-value/versions/1").json();
    assertThat(version.path("id").asInt()).isEqualTo(id);
    assertThat(version.path("version").asInt()).isEqualTo(1);
  }

  @Test
  void shouldNumberNewVersionsOfASubjectOneAfterAnother() {
    // when
    int id1 = http.register("users-value", USER_V1);
    int id2 = http.register("users-value", USER_V2);
    int id3 = http.register("users-value", USER_V3);

    // then
    assertThat(List.of(id1, id2, id3)).doesNotHaveDuplicates().isSorted();
    assertThat(http.get("/subjects/users-value/versions").body()).isEqualTo("[1,2,3]");
    assertThat(http.get("/subjects/users-value/versions/3").json().path("id").asInt())
        .isEqualTo(id3);
  }

  @Test
  void shouldAnswerEveryReadEndpointInConfluentsShapesAndContentType() {
    // given
    int id1 = http.register("users-value", USER_V1);
    int id2 = http.register("users-value", USER_V2);
    http.register("orders-value", USER_V1);

    // then
    List<Answer> answers = new ArrayList<>();
    answers.add(expect(http.get("/"), 200, "{}"));
    answers.add(expect(http.get("/subjects"), 200, "[\"orders-value\",\"users-value\"]"));
    answers.add(expect(http.get("/subjects/users-value/versions"), 200, "[1,2]"));
    answers.add(
        expect(
            http.get("/subjects/users-value/versions/1"),
            200,
            versionJson("users-value", 1, id1, USER_V1)));
    for (String latest : List.of("latest", "-1")) {
      answers.add(
          expect(
              http.get("/subjects/users-value/versions/" + latest),
              200,
              versionJson("users-value", 2, id2, USER_V2)));
    }
    Answer raw = http.get("/subjects/users-value/versions/2/schema");
    answers.add(raw);
    assertThat(raw.body()).isEqualTo(canonical(USER_V2));
    answers.add(
        expect(
            http.get("/schemas/ids/" + id2),
            200,
            RegistryHttp.JSON.createObjectNode().put("schema", canonical(USER_V2)).toString()));
    answers.add(
        expect(
            http.get("/schemas/ids/" + id1 + "/subjects"),
            200,
            "[\"orders-value\",\"users-value\"]"));
    answers.add(
        expect(
            http.get("/schemas/ids/" + id1 + "/versions"),
            200,
            "[{\"subject\":\"orders-value\",\"version\":1},"
                + "{\"subject\":\"users-value\",\"version\":1}]"));
    answers.add(expect(http.get("/schemas/types"), 200, "[\"AVRO\"]"));
    answers.add(
        expect(
            http.post("/subjects/users-value", schemaBody(USER_V1)),
            200,
            versionJson("users-value", 1, id1, USER_V1)));
    answers.add(expect(http.get("/config"), 200, "{\"compatibilityLevel\":\"BACKWARD\"}"));

    assertThat(answers)
        .allSatisfy(a -> assertThat(a.contentType()).startsWith(RegistryApi.CONTENT_TYPE));
  }

  // ---- compatibility

  @Test
  void shouldListSchemasAndSubjectsByPrefixAsRegistryToolsAsk() {
    int v1 = http.register("users-value", USER_V1);
    int v2 = http.register("users-value", USER_V2);
    int order = http.register("orders-value", record("Order", field("id", "string")));
    http.delete("/subjects/users-value/versions/1");

    assertThat(http.get("/subjects?subjectPrefix=users").body()).isEqualTo("[\"users-value\"]");
    assertThat(http.get("/subjects?subjectPrefix=:*:").body())
        .isEqualTo("[\"orders-value\",\"users-value\"]");
    assertThat(ids(http.get("/schemas").json())).containsExactly(order, v2);
    assertThat(ids(http.get("/schemas?deleted=true").json())).containsExactly(order, v1, v2);
    JsonNode latest = http.get("/schemas?subjectPrefix=users&latestOnly=true").json();
    assertThat(latest).hasSize(1);
    assertThat(latest.get(0).path("subject").asText()).isEqualTo("users-value");
    assertThat(latest.get(0).path("version").asInt()).isEqualTo(2);
    assertThat(latest.get(0).path("schema").asText()).contains("\"name\"");
    assertThat(http.get("/subjects/users-value/versions/2/referencedby").body()).isEqualTo("[]");
    expectError(http.get("/subjects/users-value/versions/9/referencedby"), 404, 40402);
    assertThat(http.get("/contexts").body()).isEqualTo("[\".\"]");
    assertThat(http.get("/schemas/ids/" + v1 + "/schema").body())
        .isEqualTo(RegistryState.canonical(USER_V1));
    expectError(http.get("/schemas/ids/999/schema"), 404, 40403);
  }

  private static List<Integer> ids(JsonNode schemas) {
    List<Integer> ids = new ArrayList<>();
    schemas.forEach(schema -> ids.add(schema.path("id").asInt()));
    return ids;
  }

  @Test
  void canReachAllSevenCompatibilityLevelsThroughConfig() {
    for (String level :
        List.of(
            "NONE",
            "BACKWARD",
            "BACKWARD_TRANSITIVE",
            "FORWARD",
            "FORWARD_TRANSITIVE",
            "FULL",
            "FULL_TRANSITIVE")) {
      // when
      Answer set = http.put("/config/users-value", levelBody(level));

      // then
      expect(set, 200, "{\"compatibility\":\"" + level + "\"}");
      expect(http.get("/config/users-value"), 200, "{\"compatibilityLevel\":\"" + level + "\"}");
    }

    expect(http.put("/config", levelBody("full")), 200, "{\"compatibility\":\"FULL\"}");
    expect(http.get("/config"), 200, "{\"compatibilityLevel\":\"FULL\"}");
  }

  @Test
  void shouldFallBackToTheGlobalLevelOnlyWhenAsked() {
    // given
    http.setLevel(null, "FORWARD");
    http.setLevel("users-value", "NONE");

    // when
    Answer cleared = http.delete("/config/users-value");

    // then
    expect(cleared, 200, "{\"compatibilityLevel\":\"NONE\"}");
    expectError(http.get("/config/users-value"), 404, 40408);
    expect(
        http.get("/config/users-value?defaultToGlobal=true"),
        200,
        "{\"compatibilityLevel\":\"FORWARD\"}");
    expectError(http.delete("/config/users-value"), 404, 40401);

    // when the global level is deleted, then the default applies again
    expect(http.delete("/config"), 200, "{\"compatibilityLevel\":\"FORWARD\"}");
    expect(http.get("/config"), 200, "{\"compatibilityLevel\":\"BACKWARD\"}");
  }

  @Test
  void shouldRefuseAnIncompatibleSchemaWith409NamingTheField() {
    // given
    http.register("users-value", USER_V1);

    // when
    Answer refused =
        http.post("/subjects/users-value/versions", schemaBody(USER_WITH_REQUIRED_EMAIL));

    // then
    expectError(refused, 409, 409);
    assertThat(refused.message()).contains("email");
    assertThat(http.get("/subjects/users-value/versions").body()).isEqualTo("[1]");

    // and under NONE the same schema is accepted
    http.setLevel("users-value", "NONE");
    assertThat(http.register("users-value", USER_WITH_REQUIRED_EMAIL)).isPositive();
  }

  @Test
  void shouldCheckCompatibilityWithoutRegistering() {
    // given
    http.register("users-value", USER_V1);
    String path = "/compatibility/subjects/users-value/versions/latest";

    // when
    Answer incompatible = http.post(path, schemaBody(USER_WITH_REQUIRED_EMAIL));
    Answer verbose = http.post(path + "?verbose=true", schemaBody(USER_WITH_REQUIRED_EMAIL));
    Answer compatible = http.post(path, schemaBody(USER_V2));
    Answer byNumber =
        http.post("/compatibility/subjects/users-value/versions/1", schemaBody(USER_V2));
    Answer unknownSubject =
        http.post("/compatibility/subjects/nobody/versions/latest", schemaBody(USER_V1));
    Answer unknownSubjectVersion =
        http.post("/compatibility/subjects/nobody/versions/1", schemaBody(USER_V1));

    // then
    expect(incompatible, 200, "{\"is_compatible\":false}");
    assertThat(verbose.json().path("is_compatible").asBoolean()).isFalse();
    assertThat(verbose.json().path("messages").toString()).contains("email");
    expect(compatible, 200, "{\"is_compatible\":true}");
    expect(byNumber, 200, "{\"is_compatible\":true}");
    expect(unknownSubject, 200, "{\"is_compatible\":true}");
    expectError(unknownSubjectVersion, 404, 40401);
    assertThat(http.get("/subjects/users-value/versions").body()).isEqualTo("[1]");
  }

  // ---- bad requests

  @Test
  void shouldAnswer422ForSchemasItCannotAccept() {
    String path = "/subjects/users-value/versions";
    String invalidDefault =
        record("User", "{\"name\":\"id\",\"type\":\"long\",\"default\":\"not a number\"}");

    expectError(http.post(path, schemaBody("{\"type\":\"record\",\"name\":\"X\"}")), 422, 42201);
    expectError(http.post(path, schemaBody("not a schema")), 422, 42201);
    expectError(http.post(path, schemaBody(record("User", field("id", "longg")))), 422, 42201);
    expectError(http.post(path, schemaBody(invalidDefault)), 422, 42201);
    String unknownOrder =
        record("User", "{\"name\":\"id\",\"type\":\"long\",\"order\":\"sideways\"}");
    expectError(http.post(path, schemaBody(unknownOrder)), 422, 42201);
    expectError(http.post(path, "{\"schemaa\":\"\\\"string\\\"\"}"), 422, 42201);
    expectError(http.post(path, "{\"schema\":\"\"}"), 422, 42201);

    Answer json =
        http.post(path, "{\"schema\":\"{\\\"type\\\":\\\"object\\\"}\",\"schemaType\":\"JSON\"}");
    expectError(json, 422, 42201);
    assertThat(json.message()).contains("JSON");
    Answer references =
        http.post(
            path,
            "{\"schema\":\"\\\"string\\\"\",\"references\":"
                + "[{\"name\":\"a\",\"subject\":\"a\",\"version\":1}]}");
    expectError(references, 422, 42201);
    assertThat(references.message()).contains("references");

    expectError(http.post("/subjects/users-value", schemaBody("not a schema")), 422, 42201);
    expectError(
        http.post("/compatibility/subjects/users-value/versions/latest", schemaBody("nope")),
        422,
        42201);
    assertThat(http.get("/subjects").body()).isEqualTo("[]");
  }

  @Test
  void shouldAnswer422WithConfluentsCodeForABodyThatIsNotJson() {
    expectError(http.post("/subjects/users-value/versions", "{oops"), 422, 422);
    expectError(http.post("/subjects/users-value/versions", ""), 422, 422);
    expectError(http.put("/config", "[1,2"), 422, 422);
  }

  @Test
  void shouldAnswer422ForAnInvalidLevelOrVersion() {
    // given
    http.register("users-value", USER_V1);

    // then
    expectError(http.put("/config", levelBody("SOMETIMES")), 422, 42203);
    expectError(http.put("/config/users-value", "{}"), 422, 42203);
    expectError(http.put("/config", "{\"normalize\":true}"), 422, 42203);
    expectError(http.get("/subjects/users-value/versions/abc"), 422, 42202);
    expectError(http.get("/subjects/users-value/versions/0"), 422, 42202);
    expectError(http.delete("/subjects/users-value/versions/-2"), 422, 42202);
  }

  @Test
  void shouldAnswer404ForWhatDoesNotExist() {
    // given
    http.register("users-value", USER_V1);

    // then
    expectError(http.get("/subjects/nobody/versions"), 404, 40401);
    expectError(http.get("/subjects/nobody/versions/1"), 404, 40401);
    expectError(http.get("/subjects/users-value/versions/2"), 404, 40402);
    expectError(http.get("/schemas/ids/9999"), 404, 40403);
    expectError(http.get("/schemas/ids/9999/versions"), 404, 40403);
    expectError(http.get("/schemas/ids/abc"), 404, 40403);
    expectError(http.post("/subjects/users-value", schemaBody(USER_V2)), 404, 40403);
    expectError(http.post("/subjects/nobody", schemaBody(USER_V1)), 404, 40401);
    expectError(http.delete("/subjects/nobody"), 404, 40401);
    expectError(http.get("/no/such/path"), 404, 404);
    expectError(http.delete("/schemas/types"), 405, 405);
  }

  @Test
  void shouldAnswer415ForABodyOfAnotherContentType() {
    // when
    Answer text = http.post("/subjects/a/versions", schemaBody(USER_V1), "text/plain");
    Answer form =
        http.post("/subjects/a/versions", schemaBody(USER_V1), "application/x-www-form-urlencoded");
    Answer json = http.post("/subjects/a/versions", schemaBody(USER_V1), "application/json");
    Answer octets =
        http.post("/subjects/b/versions", schemaBody(USER_V1), "application/octet-stream");
    Answer none = http.post("/subjects/c/versions", schemaBody(USER_V1), null);

    // then
    expectError(text, 415, 415);
    expectError(form, 415, 415);
    assertThat(json.status()).isEqualTo(200);
    assertThat(octets.status()).isEqualTo(200);
    assertThat(none.status()).isEqualTo(200);
  }

  // ---- deletes

  @Test
  void shouldSoftDeleteAVersionBeforeDeletingItPermanently() {
    // given
    int id1 = http.register("users-value", USER_V1);
    int id2 = http.register("users-value", USER_V2);
    http.register("users-value", USER_V3);

    // when deleted permanently without a soft delete first
    expectError(http.delete("/subjects/users-value/versions/2?permanent=true"), 404, 40407);

    // when soft-deleted
    expect(http.delete("/subjects/users-value/versions/2"), 200, "2");

    // then it is hidden but kept
    assertThat(http.get("/subjects/users-value/versions").body()).isEqualTo("[1,3]");
    assertThat(http.get("/subjects/users-value/versions?deleted=true").body()).isEqualTo("[1,2,3]");
    expectError(http.get("/subjects/users-value/versions/2"), 404, 40402);
    expectError(http.delete("/subjects/users-value/versions/2"), 404, 40406);
    assertThat(http.get("/subjects/users-value/versions/2?deleted=true").status()).isEqualTo(200);
    assertThat(http.get("/schemas/ids/" + id2).status()).isEqualTo(200);

    // when deleted permanently
    expect(http.delete("/subjects/users-value/versions/2?permanent=true"), 200, "2");

    // then it is gone
    assertThat(http.get("/subjects/users-value/versions?deleted=true").body()).isEqualTo("[1,3]");
    assertThat(http.get("/subjects/users-value/versions/1").json().path("id").asInt())
        .isEqualTo(id1);
  }

  @Test
  void shouldSoftDeleteASubjectBeforeDeletingItPermanently() {
    // given
    int id1 = http.register("users-value", USER_V1);
    http.register("users-value", USER_V2);
    http.register("orders-value", USER_V1);
    http.setLevel("users-value", "NONE");

    // when deleted permanently without a soft delete first
    expectError(http.delete("/subjects/users-value?permanent=true"), 404, 40405);

    // when soft-deleted
    expect(http.delete("/subjects/users-value"), 200, "[1,2]");

    // then it is hidden but kept
    assertThat(http.get("/subjects").body()).isEqualTo("[\"orders-value\"]");
    assertThat(http.get("/subjects?deleted=true").body())
        .isEqualTo("[\"orders-value\",\"users-value\"]");
    expectError(http.get("/subjects/users-value/versions"), 404, 40401);
    expectError(http.delete("/subjects/users-value"), 404, 40404);
    assertThat(http.get("/schemas/ids/" + id1 + "/subjects").body())
        .isEqualTo("[\"orders-value\"]");
    expect(http.get("/config/users-value"), 200, "{\"compatibilityLevel\":\"NONE\"}");

    // when deleted permanently
    expect(http.delete("/subjects/users-value?permanent=true"), 200, "[1,2]");

    // then it is gone, its level too, and registering again starts over with the schema's id
    assertThat(http.get("/subjects?deleted=true").body()).isEqualTo("[\"orders-value\"]");
    expectError(http.get("/config/users-value"), 404, 40408);
    assertThat(http.register("users-value", USER_V1)).isEqualTo(id1);
    assertThat(http.get("/subjects/users-value/versions").body()).isEqualTo("[1]");
  }

  // ---- operations

  @Test
  void shouldAnswerHealthChecksAndMetrics() {
    // given
    int id = http.register("users-value", USER_V1);
    http.register("users-value", USER_V1);
    http.get("/schemas/ids/" + id);

    // then
    assertThat(http.get("/health/live").status()).isEqualTo(200);
    expect(http.get("/health/ready"), 200, "{\"status\":\"UP\"}");
    Answer metrics = http.get("/metrics");
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.contentType()).startsWith("text/plain");
    assertThat(metrics.body())
        .contains("schema_registry_registrations_total{outcome=\"new\"} 1.0")
        .contains("schema_registry_registrations_total{outcome=\"existing\"} 1.0")
        .contains("schema_registry_lookups_by_id_total 1.0")
        .contains("schema_registry_store_records_skipped_total 0.0")
        .contains("schema_registry_store_write_retries_total");
  }

  @Test
  void shouldAskTheBrokerOnceForManyQueriesThatFindNothingAtOnce() throws Exception {
    // given
    int queries = 200;
    ExecutorService clients = Executors.newFixedThreadPool(32);

    // when: ids that do not exist, asked for all at once
    List<Future<Answer>> answers = new ArrayList<>();
    for (int i = 0; i < queries; i++) {
      int id = 1_000_000 + i;
      answers.add(clients.submit(() -> http.get("/schemas/ids/" + id)));
    }
    for (Future<Answer> answer : answers) {
      expectError(answer.get(), 404, 40403);
    }
    clients.shutdown();

    // then: each found nothing after a catch-up, but most shared one
    Matcher catchUps =
        Pattern.compile("(?m)^schema_registry_store_catch_ups_total (\\S+)$")
            .matcher(http.get("/metrics").body());
    assertThat(catchUps.find()).isTrue();
    assertThat(Double.parseDouble(catchUps.group(1))).isPositive().isLessThan(queries / 2.0);
  }

  @Test
  void shouldRefuseToStartOnATakenPort(TestKafka kafka) {
    // given
    SchemaRegistryServer second =
        new SchemaRegistryServer(
            SchemaRegistryServer.Settings.of(kafka.bootstrapServers())
                .withTopic(kafka.createTopic("other", 1, Map.of("cleanup.policy", "compact")))
                .withPort(registry.server.port()));

    // then
    assertThatThrownBy(second::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(Integer.toString(registry.server.port()));
    second.close();
    assertThat(http.get("/health/live").status()).isEqualTo(200);
  }

  // ---- helpers

  private static Answer expect(Answer answer, int status, String json) {
    assertThat(answer.status()).as("status of %s", answer).isEqualTo(status);
    assertThat(answer.json()).as("body").isEqualTo(new Answer(status, "", json, "").json());
    return answer;
  }

  private static void expectError(Answer answer, int status, int errorCode) {
    assertThat(answer.status()).as("status of %s", answer).isEqualTo(status);
    assertThat(answer.contentType()).startsWith(RegistryApi.CONTENT_TYPE);
    assertThat(answer.errorCode()).as("error_code of %s", answer).isEqualTo(errorCode);
    assertThat(answer.message()).isNotBlank();
  }

  private static String versionJson(String subject, int version, int id, String schema) {
    return RegistryHttp.JSON
        .createObjectNode()
        .put("subject", subject)
        .put("version", version)
        .put("id", id)
        .put("schema", canonical(schema))
        .toString();
  }

  private static String canonical(String schema) {
    return new Schema.Parser().parse(schema).toString();
  }
}
