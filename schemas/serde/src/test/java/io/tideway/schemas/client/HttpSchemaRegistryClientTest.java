package io.tideway.schemas.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.schemas.client.FakeRegistryServer.Request;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpSchemaRegistryClientTest {

  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Schema ORDER =
      SchemaBuilder.record("Order")
          .namespace("io.tideway.test")
          .fields()
          .requiredString("id")
          .endRecord();

  /** Short timeouts and pauses, so that failures come fast. */
  private static final HttpSchemaRegistryClient.Settings FAST =
      new HttpSchemaRegistryClient.Settings(
          Duration.ofMillis(500),
          Duration.ofMillis(1000),
          2,
          Duration.ofMillis(20),
          Duration.ofMillis(80));

  private FakeRegistryServer server;
  private HttpSchemaRegistryClient client;

  @BeforeEach
  void start() throws IOException {
    server = new FakeRegistryServer();
    client = new HttpSchemaRegistryClient(server.url(), FAST);
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  private static String quoted(String text) throws IOException {
    return JSON.writeValueAsString(text);
  }

  @Test
  void shouldRegisterWithAPostOfTheSchemaInConfluentsShape() throws IOException {
    // given
    server.then(200, "{\"id\":7}");

    // when
    int id = client.register("orders-value", ORDER);

    // then
    assertThat(id).isEqualTo(7);
    Request request = server.lastRequest();
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.rawPath()).isEqualTo("/subjects/orders-value/versions");
    assertThat(request.contentType()).isEqualTo(CONTENT_TYPE);
    assertThat(request.accept()).startsWith(CONTENT_TYPE);
    JsonNode body = JSON.readTree(request.body());
    assertThat(body.get("schema").asText()).isEqualTo(ORDER.toString());
    assertThat(body.size()).as("only the schema: Avro is the default type").isEqualTo(1);
  }

  @Test
  void shouldLookUpAnIdWithAPostToTheSubject() throws IOException {
    // given
    server.then(
        200,
        "{\"subject\":\"orders-value\",\"version\":3,\"id\":7,\"schema\":"
            + quoted(ORDER.toString())
            + "}");

    // when
    int id = client.id("orders-value", ORDER);

    // then
    assertThat(id).isEqualTo(7);
    assertThat(server.lastRequest().method()).isEqualTo("POST");
    assertThat(server.lastRequest().rawPath()).isEqualTo("/subjects/orders-value");
  }

  @Test
  void shouldFetchASchemaById() throws IOException {
    // given
    server.then(200, "{\"schema\":" + quoted(ORDER.toString()) + "}");

    // when
    Schema schema = client.schemaById(7);

    // then
    assertThat(schema).isEqualTo(ORDER);
    assertThat(server.lastRequest().method()).isEqualTo("GET");
    assertThat(server.lastRequest().rawPath()).isEqualTo("/schemas/ids/7");
    assertThat(server.lastRequest().contentType()).isNull();
  }

  @Test
  void shouldRefuseASchemaOfAnotherType() {
    // given
    server.then(200, "{\"schema\":\"syntax = \\\"proto3\\\";\",\"schemaType\":\"PROTOBUF\"}");

    // when
    RegistryException e = catchThrowableOfType(RegistryException.class, () -> client.schemaById(7));

    // then
    assertThat(e.errorCode()).isEqualTo(RegistryException.INVALID_SCHEMA);
    assertThat(e.getMessage()).contains("PROTOBUF").contains("schema id 7");
  }

  @Test
  void shouldPercentEncodeSubjectsInPaths() {
    // given
    server.then(200, "[1]");

    // when
    client.versions("io.tideway/Order value+ü");

    // then
    assertThat(server.lastRequest().rawPath())
        .isEqualTo("/subjects/io.tideway%2FOrder%20value%2B%C3%BC/versions");
  }

  @Test
  void shouldReadVersionsAndSubjects() throws IOException {
    // given
    server
        .then(
            200,
            "{\"subject\":\"orders-value\",\"version\":3,\"id\":7,\"schema\":"
                + quoted(ORDER.toString())
                + "}")
        .then(200, "[\"orders-value\",\"payments-value\"]")
        .then(200, "[1,2,3]")
        .then(
            200,
            "{\"subject\":\"orders-value\",\"version\":2,\"id\":5,\"schema\":"
                + quoted(ORDER.toString())
                + "}");

    // when / then
    assertThat(client.latest("orders-value"))
        .isEqualTo(new SchemaVersion("orders-value", 3, 7, ORDER.toString(), false));
    assertThat(server.lastRequest().rawPath()).isEqualTo("/subjects/orders-value/versions/latest");
    assertThat(client.subjects()).containsExactly("orders-value", "payments-value");
    assertThat(server.lastRequest().rawPath()).isEqualTo("/subjects");
    assertThat(client.versions("orders-value")).containsExactly(1, 2, 3);
    assertThat(client.version("orders-value", 2).id()).isEqualTo(5);
    assertThat(server.lastRequest().rawPath()).isEqualTo("/subjects/orders-value/versions/2");
  }

  @Test
  void shouldReadAndSetCompatibilityLevels() throws IOException {
    // given
    server
        .then(200, "{\"compatibilityLevel\":\"FULL\"}")
        .then(200, "{\"compatibilityLevel\":\"FORWARD\"}")
        .then(200, "{\"compatibility\":\"NONE\"}")
        .then(200, "{\"compatibility\":\"FULL_TRANSITIVE\"}");

    // when / then
    assertThat(client.globalCompatibility()).isEqualTo(CompatibilityLevel.FULL);
    assertThat(server.lastRequest().rawPath()).isEqualTo("/config");
    assertThat(client.compatibilityOf("orders-value")).isEqualTo(CompatibilityLevel.FORWARD);
    assertThat(server.lastRequest().rawPath()).isEqualTo("/config/orders-value");
    assertThat(server.lastRequest().rawQuery()).isEqualTo("defaultToGlobal=true");

    client.setCompatibility(null, CompatibilityLevel.NONE);
    assertThat(server.lastRequest().method()).isEqualTo("PUT");
    assertThat(server.lastRequest().rawPath()).isEqualTo("/config");
    assertThat(JSON.readTree(server.lastRequest().body()).get("compatibility").asText())
        .isEqualTo("NONE");

    client.setCompatibility("orders-value", CompatibilityLevel.FULL_TRANSITIVE);
    assertThat(server.lastRequest().rawPath()).isEqualTo("/config/orders-value");
    assertThat(server.lastRequest().contentType()).isEqualTo(CONTENT_TYPE);
  }

  @Test
  void shouldFallBackToTheGlobalLevelWhenTheRegistryKnowsNoSubjectLevel() {
    // given a registry that ignores defaultToGlobal
    server
        .then(
            404,
            "{\"error_code\":40408,\"message\":\"Subject 'orders-value' does not have"
                + " subject-level compatibility configured\"}")
        .then(200, "{\"compatibilityLevel\":\"BACKWARD\"}");

    // when
    CompatibilityLevel level = client.compatibilityOf("orders-value");

    // then
    assertThat(level).isEqualTo(CompatibilityLevel.BACKWARD);
    assertThat(server.lastRequest().rawPath()).isEqualTo("/config");
  }

  @Test
  void shouldCheckCompatibilityVerbosely() {
    // given
    server
        .then(
            200,
            "{\"is_compatible\":false,\"messages\":[\"READER_FIELD_MISSING_DEFAULT_VALUE total\"]}")
        .then(200, "{\"is_compatible\":true}")
        .then(404, "{\"error_code\":40401,\"message\":\"Subject 'new' not found.\"}");

    // when / then
    assertThat(client.checkCompatibility("orders-value", ORDER))
        .containsExactly("READER_FIELD_MISSING_DEFAULT_VALUE total");
    assertThat(server.lastRequest().method()).isEqualTo("POST");
    assertThat(server.lastRequest().rawPath())
        .isEqualTo("/compatibility/subjects/orders-value/versions");
    assertThat(server.lastRequest().rawQuery()).isEqualTo("verbose=true");
    assertThat(client.checkCompatibility("orders-value", ORDER)).isEmpty();
    assertThat(client.checkCompatibility("new", ORDER)).isEmpty();
  }

  @Test
  void shouldDeleteASubjectSoftOrPermanently() {
    // given
    server.then(200, "[1,2]").then(200, "[1,2]");

    // when / then
    assertThat(client.deleteSubject("orders-value", false)).containsExactly(1, 2);
    assertThat(server.lastRequest().method()).isEqualTo("DELETE");
    assertThat(server.lastRequest().rawQuery()).isNull();
    assertThat(client.deleteSubject("orders-value", true)).containsExactly(1, 2);
    assertThat(server.lastRequest().rawQuery()).isEqualTo("permanent=true");
  }

  @Test
  void shouldNotRepeatADeleteWhoseConnectionWasLostAfterItWasSent() {
    // given: the registry read the request, then the connection closed without an answer
    server.thenDrop().then(200, "[1,2]");

    // when / then: it may have been carried out, so it is not sent again
    assertThatThrownBy(() -> client.deleteSubject("orders-value", false))
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining("unreachable");
    assertThat(server.requests()).hasSize(1);
  }

  @Test
  void shouldRepeatAReadWhoseConnectionWasLost() {
    // given
    server.thenDrop().then(200, "[\"orders-value\"]");

    // when / then
    assertThat(client.subjects()).containsExactly("orders-value");
    assertThat(server.requests()).hasSize(2);
  }

  @Test
  void shouldMapAnErrorBodyToARegistryExceptionWithoutRetrying() {
    // given
    server.then(404, "{\"error_code\":40401,\"message\":\"Subject 'orders-value' not found.\"}");

    // when
    RegistryException e =
        catchThrowableOfType(RegistryException.class, () -> client.latest("orders-value"));

    // then
    assertThat(e.httpStatus()).isEqualTo(404);
    assertThat(e.errorCode()).isEqualTo(RegistryException.SUBJECT_NOT_FOUND);
    assertThat(e.getMessage()).isEqualTo("Subject 'orders-value' not found.");
    assertThat(server.requests()).hasSize(1);
  }

  @Test
  void shouldKeepTheIncompatibilityOfA409() {
    // given
    server.then(
        409, "{\"error_code\":409,\"message\":\"Schema being registered is incompatible: total\"}");

    // when
    RegistryException e =
        catchThrowableOfType(RegistryException.class, () -> client.register("orders-value", ORDER));

    // then
    assertThat(e.httpStatus()).isEqualTo(409);
    assertThat(e.errorCode()).isEqualTo(RegistryException.INCOMPATIBLE_SCHEMA);
    assertThat(e.getMessage()).contains("total");
  }

  @Test
  void shouldUseTheStatusAsCodeWhenTheErrorBodyIsNotJson() {
    // given a proxy in front of the registry
    server.then(403, "<html>Forbidden</html>");

    // when
    RegistryException e = catchThrowableOfType(RegistryException.class, () -> client.subjects());

    // then
    assertThat(e.httpStatus()).isEqualTo(403);
    assertThat(e.errorCode()).isEqualTo(403);
    assertThat(e.getMessage()).contains(server.url()).contains("403").contains("Forbidden");
  }

  @Test
  void shouldRetryA503AndSucceed() {
    // given
    server
        .then(503, "{\"error_code\":50003,\"message\":\"forwarding\"}")
        .then(503, "")
        .then(200, "[\"orders-value\"]");

    // when
    var subjects = client.subjects();

    // then
    assertThat(subjects).containsExactly("orders-value");
    assertThat(server.requests()).hasSize(3);
  }

  @Test
  void shouldRetryARegistryThatIsBusyAndSucceed() {
    // given: rate-limited, then timed out waiting for the request
    server
        .then(429, "{\"error_code\":429,\"message\":\"Too Many Requests\"}")
        .then(408, "")
        .then(200, "[\"orders-value\"]");

    // when
    var subjects = client.subjects();

    // then
    assertThat(subjects).containsExactly("orders-value");
    assertThat(server.requests()).hasSize(3);
  }

  @Test
  void shouldGiveUpOn5xxAfterTheBoundedRetries() {
    // given
    server.always(500, "{\"error_code\":50001,\"message\":\"Error in the backend data store\"}");

    // when
    RegistryException e = catchThrowableOfType(RegistryException.class, () -> client.subjects());

    // then
    assertThat(server.requests()).hasSize(3);
    assertThat(e.httpStatus()).isEqualTo(500);
    assertThat(e.errorCode()).isEqualTo(RegistryException.STORE_ERROR);
    assertThat(e.getMessage())
        .contains(server.url())
        .contains("GET /subjects failed 3 times")
        .contains("Error in the backend data store");
  }

  @Test
  void shouldFailFastNamingTheUrlWhenTheRegistryIsUnreachable() throws IOException {
    // given a port nobody listens on
    String url = "http://127.0.0.1:" + closedPort();
    try (HttpSchemaRegistryClient unreachable = new HttpSchemaRegistryClient(url, FAST)) {
      long started = System.nanoTime();

      // when
      RegistryException e =
          catchThrowableOfType(RegistryException.class, () -> unreachable.schemaById(1));

      // then
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      assertThat(took).isLessThan(Duration.ofSeconds(5));
      assertThat(e.errorCode()).isEqualTo(RegistryException.STORE_ERROR);
      assertThat(e.httpStatus()).isEqualTo(503);
      assertThat(e.getMessage())
          .contains(url)
          .contains("unreachable")
          .contains("GET /schemas/ids/1 failed 3 times");
    }
  }

  @Test
  void shouldTimeOutNamingTheUrlWhenTheRegistryDoesNotAnswer() {
    // given
    server.slow(5_000);
    HttpSchemaRegistryClient.Settings impatient =
        FAST.withTimeouts(Duration.ofMillis(200), Duration.ofMillis(300))
            .withRetries(1, Duration.ofMillis(10), Duration.ofMillis(10));
    try (HttpSchemaRegistryClient waiting = new HttpSchemaRegistryClient(server.url(), impatient)) {
      long started = System.nanoTime();

      // when
      RegistryException e = catchThrowableOfType(RegistryException.class, waiting::subjects);

      // then
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
      assertThat(e.errorCode()).isEqualTo(RegistryException.STORE_TIMEOUT);
      assertThat(e.httpStatus()).isEqualTo(504);
      assertThat(e.getMessage()).contains(server.url()).contains("did not answer in time");
    }
  }

  @Test
  void shouldMoveOnToTheNextUrlWhenOneIsUnreachable() throws IOException {
    // given
    server.always(200, "[\"orders-value\"]");
    String urls = "http://127.0.0.1:" + closedPort() + "," + server.url();
    try (HttpSchemaRegistryClient failover = new HttpSchemaRegistryClient(urls, FAST)) {

      // when
      var first = failover.subjects();
      var second = failover.subjects();

      // then
      assertThat(first).containsExactly("orders-value");
      assertThat(second).containsExactly("orders-value");
      assertThat(server.requests()).hasSize(2);
      assertThat(failover.url()).isEqualTo(urls);
    }
  }

  @Test
  void shouldSendUserInfoGivenApartToEveryUrlInPlaceOfTheirs() {
    // given
    server.always(200, "[]");
    String url = "http://other:creds@127.0.0.1:" + server.port() + "/";
    try (HttpSchemaRegistryClient withUserInfo =
        new HttpSchemaRegistryClient(List.of(url), FAST, "reader:s3:cret")) {

      // when
      withUserInfo.subjects();

      // then
      assertThat(server.lastRequest().authorization())
          .isEqualTo(
              "Basic "
                  + Base64.getEncoder()
                      .encodeToString("reader:s3:cret".getBytes(StandardCharsets.UTF_8)));
      assertThat(withUserInfo.url()).doesNotContain("creds").doesNotContain("s3:cret");
    }
  }

  @Test
  void shouldSendCredentialsFromTheUrlButNeverShowThem() {
    // given
    server.then(401, "{\"error_code\":401,\"message\":\"Unauthorized\"}");
    String url = "http://reader:s3cret@127.0.0.1:" + server.port() + "/";
    try (HttpSchemaRegistryClient withCredentials = new HttpSchemaRegistryClient(url, FAST)) {

      // when
      catchThrowableOfType(RegistryException.class, withCredentials::subjects);
      server.always(500, "");
      RegistryException e =
          catchThrowableOfType(RegistryException.class, withCredentials::subjects);

      // then
      assertThat(server.requests().get(0).authorization())
          .isEqualTo(
              "Basic "
                  + Base64.getEncoder()
                      .encodeToString("reader:s3cret".getBytes(StandardCharsets.UTF_8)));
      assertThat(server.requests().get(0).rawPath()).isEqualTo("/subjects");
      assertThat(withCredentials.url()).isEqualTo(server.url()).doesNotContain("s3cret");
      assertThat(e.getMessage()).doesNotContain("s3cret");
    }
  }

  @Test
  void shouldKeepAPathPrefixOfTheBaseUrl() {
    // given a registry served under a prefix, as Apicurio's ccompat API is
    server.then(200, "[]");
    try (HttpSchemaRegistryClient prefixed =
        new HttpSchemaRegistryClient(server.url() + "/apis/ccompat/v7/", FAST)) {

      // when
      prefixed.subjects();

      // then
      assertThat(server.lastRequest().rawPath()).isEqualTo("/apis/ccompat/v7/subjects");
    }
  }

  @Test
  void shouldRefuseAUrlThatIsNotHttp() {
    assertThatThrownBy(() -> new HttpSchemaRegistryClient("ftp://registry:21"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ftp://registry:21");
    assertThatThrownBy(() -> new HttpSchemaRegistryClient(" , "))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldDoubleThePauseUpToTheLongest() {
    HttpSchemaRegistryClient.Settings settings =
        HttpSchemaRegistryClient.Settings.DEFAULTS.withRetries(
            5, Duration.ofMillis(100), Duration.ofMillis(400));
    assertThat(settings.pauseBeforeRetry(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(settings.pauseBeforeRetry(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(settings.pauseBeforeRetry(3)).isEqualTo(Duration.ofMillis(400));
    assertThat(settings.pauseBeforeRetry(5)).isEqualTo(Duration.ofMillis(400));
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
