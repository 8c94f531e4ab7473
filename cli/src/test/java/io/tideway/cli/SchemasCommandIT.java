package io.tideway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.deploy.embedded.LoopbackPorts;
import io.tideway.schemas.client.CompatibilityLevel;
import io.tideway.schemas.client.HttpSchemaRegistryClient;
import io.tideway.schemas.client.RegistryMode;
import io.tideway.schemas.client.RegistryState;
import io.tideway.schemas.registry.RegistryUsers;
import io.tideway.schemas.registry.SchemaRegistryServer;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@TidewayTest
class SchemasCommandIT {

  private static final String V1 =
      "{\"type\":\"record\",\"name\":\"Greeting\",\"namespace\":\"t\",\"fields\":["
          + "{\"name\":\"text\",\"type\":\"string\"}]}";
  private static final String V2_COMPATIBLE =
      "{\"type\":\"record\",\"name\":\"Greeting\",\"namespace\":\"t\",\"fields\":["
          + "{\"name\":\"text\",\"type\":\"string\"},"
          + "{\"name\":\"lang\",\"type\":\"string\",\"default\":\"en\"}]}";
  private static final String V2_BREAKING =
      "{\"type\":\"record\",\"name\":\"Greeting\",\"namespace\":\"t\",\"fields\":["
          + "{\"name\":\"text\",\"type\":\"string\"},{\"name\":\"lang\",\"type\":\"string\"}]}";

  private static final String FAREWELL =
      "{\"type\":\"record\",\"name\":\"Farewell\",\"namespace\":\"t\",\"fields\":["
          + "{\"name\":\"text\",\"type\":\"string\"}]}";
  private static final String OTHER =
      "{\"type\":\"record\",\"name\":\"Other\",\"namespace\":\"t\",\"fields\":["
          + "{\"name\":\"n\",\"type\":\"int\"}]}";

  @TempDir Path dir;
  private SchemaRegistryServer registry;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private final String password = UUID.randomUUID().toString();

  @BeforeEach
  void startRegistry(TestKafka kafka, TestInfo test) throws Exception {
    SchemaRegistryServer.Settings settings =
        SchemaRegistryServer.Settings.of(kafka.bootstrapServers())
            .withTopic(kafka.topicName("_schemas"))
            .withPort(0);
    if (test.getTags().contains("users")) {
      settings =
          settings.withUsers(
              RegistryUsers.parse(
                  "ci: " + password + ", writer\ndashboards: " + password + ", reader", "users"));
    }
    registry = new SchemaRegistryServer(settings);
    registry.start();
  }

  @Test
  @Tag("users")
  void shouldSendTheCredentialsOfTheUrlToARegistryOpenOnlyToItsUsers() throws Exception {
    String v1 = file("v1.avsc", V1).toString();
    String writer = registry.url().replace("http://", "http://ci:" + password + "@");
    String reader = registry.url().replace("http://", "http://dashboards:" + password + "@");

    assertThat(run("schemas", "register", "greetings-value", v1, "--registry-url", writer))
        .isZero();
    assertThat(run("schemas", "list", "--registry-url", reader)).isZero();
    assertThat(out.toString()).containsPattern("greetings-value\\s+1\\s+1");

    assertThat(run("schemas", "list", "--registry-url", registry.url()))
        .isEqualTo(Tideway.BAD_INPUT);
    assertThat(err.toString()).contains("401").doesNotContain(password);
    String v2 = file("v2.avsc", V2_COMPATIBLE).toString();
    assertThat(run("schemas", "register", "greetings-value", v2, "--registry-url", reader))
        .isEqualTo(Tideway.BAD_INPUT);
    assertThat(err.toString()).contains("a reader cannot register").doesNotContain(password);
  }

  @AfterEach
  void stopRegistry() {
    registry.close();
  }

  @Test
  void shouldRegisterListGetAndKeepTheIdOfTheSameSchema() throws Exception {
    Path v1 = file("v1.avsc", V1);

    assertThat(schemas("register", "greetings-value", v1.toString())).isZero();
    assertThat(out.toString())
        .contains("Registered t.Greeting under greetings-value: id 1, version 1");
    assertThat(schemas("register", "greetings-value", v1.toString())).isZero();
    assertThat(out.toString()).contains("id 1, version 1");

    assertThat(schemas("list")).isZero();
    assertThat(out.toString()).containsPattern("greetings-value\\s+1\\s+1");

    assertThat(schemas("get", "greetings-value")).isZero();
    assertThat(out.toString())
        .contains("# subject greetings-value, version 1, id 1")
        .contains("\"text\"");

    assertThat(schemas("get", "--id", "1")).isZero();
    assertThat(out.toString()).contains("\"Greeting\"");
  }

  @Test
  void shouldTellACompatibleChangeFromABreakingOneNamingTheField() throws Exception {
    schemas("register", "greetings-value", file("v1.avsc", V1).toString());

    assertThat(schemas("check", "greetings-value", file("ok.avsc", V2_COMPATIBLE).toString()))
        .isZero();
    assertThat(out.toString()).contains("Compatible with greetings-value under BACKWARD");

    int code = schemas("check", "greetings-value", file("bad.avsc", V2_BREAKING).toString());
    assertThat(code).isEqualTo(SchemasCommand.INCOMPATIBLE);
    assertThat(out.toString())
        .contains("Incompatible")
        .contains("READER_FIELD_MISSING_DEFAULT_VALUE")
        .contains("lang");
  }

  @Test
  void shouldRegisterNothingOnADryRun() throws Exception {
    assertThat(schemas("register", "--dry-run", "greetings-value", file("v1.avsc", V1).toString()))
        .isZero();
    assertThat(out.toString()).contains("Would register t.Greeting under greetings-value");

    assertThat(schemas("get", "greetings-value")).isEqualTo(Tideway.BAD_INPUT);
    assertThat(err.toString()).contains("40401");
  }

  @Test
  void shouldShowAndSetCompatibilityLevels() {
    assertThat(schemas("config")).isZero();
    assertThat(out.toString()).contains("global: BACKWARD");

    assertThat(schemas("config", "greetings-value", "--set", "full_transitive", "--dry-run"))
        .isZero();
    assertThat(out.toString())
        .contains("Would set greetings-value from BACKWARD to FULL_TRANSITIVE");
    assertThat(schemas("config", "greetings-value")).isZero();
    assertThat(out.toString()).contains("greetings-value: BACKWARD");

    assertThat(schemas("config", "greetings-value", "--set", "FULL_TRANSITIVE")).isZero();
    assertThat(schemas("config", "greetings-value")).isZero();
    assertThat(out.toString()).contains("greetings-value: FULL_TRANSITIVE");
  }

  @Test
  void shouldShowAndSetModes() throws Exception {
    assertThat(schemas("mode")).isZero();
    assertThat(out.toString()).contains("global: READWRITE");

    assertThat(schemas("mode", "--set", "readonly", "--dry-run")).isZero();
    assertThat(out.toString()).contains("Would set global from READWRITE to READONLY");
    assertThat(schemas("mode", "--set", "READONLY")).isZero();
    assertThat(out.toString()).contains("global: READWRITE -> READONLY");

    assertThat(schemas("register", "greetings-value", file("v1.avsc", V1).toString()))
        .isEqualTo(Tideway.BAD_INPUT);
    assertThat(err.toString()).contains("42205").contains("read-only mode");
    assertThat(schemas("mode", "greetings-value")).isZero();
    assertThat(out.toString()).contains("greetings-value: READONLY");
    assertThat(schemas("mode", "--set", "SOMETIMES")).isEqualTo(Tideway.BAD_INPUT);
  }

  @Test
  void shouldImportAnotherRegistrysSchemasWithTheirIdsAndVersions(TestKafka kafka)
      throws Exception {
    try (SchemaRegistryServer source = startedSource(kafka);
        HttpSchemaRegistryClient target = new HttpSchemaRegistryClient(registry.url())) {
      try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(source.url())) {
        client.register("greetings-value", RegistryState.parse(V1));
        client.register("farewells-value", RegistryState.parse(FAREWELL));
        client.register("greetings-value", RegistryState.parse(V2_COMPATIBLE));
        client.deleteVersion("greetings-value", 1, false);
        client.setCompatibility("farewells-value", CompatibilityLevel.FULL);
      }

      assertThat(schemas("import", "--from", source.url(), "--dry-run")).isZero();
      assertThat(out.toString())
          .contains("Read 3 version(s) of 2 subject(s)")
          .contains("Would import greetings-value version 1 as id 1 (soft-deleted)")
          .contains("Would import greetings-value version 2 as id 3")
          .contains("Would set farewells-value's level to FULL");
      assertThat(target.subjects(true)).isEmpty();

      assertThat(schemas("import", "--from", source.url())).isZero();
      assertThat(out.toString())
          .contains("Importing farewells-value: 1 version(s)\n  level (none of its own) -> FULL")
          .contains("Imported 3 version(s) of 2 subject(s)");
      assertThat(target.version("greetings-value", 2).id()).isEqualTo(3);
      assertThat(target.version("farewells-value", 1).id()).isEqualTo(2);
      // The soft-deleted version is soft-deleted here too, and its id resolves for old records.
      assertThat(target.versions("greetings-value")).containsExactly(2);
      assertThat(target.versions("greetings-value", true)).containsExactly(1, 2);
      assertThat(target.schemaById(1).getName()).isEqualTo("Greeting");
      // Each subject has its mode back: none of its own.
      assertThat(target.ownMode("greetings-value")).isEmpty();
      assertThat(target.ownCompatibility("farewells-value")).contains(CompatibilityLevel.FULL);
      assertThat(target.ownCompatibility("greetings-value")).isEmpty();
      assertThat(target.mode(null)).isEqualTo(RegistryMode.READWRITE);

      // Into subjects it has already only when told; what is there already changes nothing.
      assertThat(schemas("import", "--from", source.url())).isEqualTo(Tideway.BAD_INPUT);
      assertThat(err.toString())
          .contains("farewells-value, greetings-value")
          .contains("pass --force");
      assertThat(schemas("import", "--from", source.url(), "--force")).isZero();
      assertThat(target.versions("greetings-value", true)).containsExactly(1, 2);

      assertThat(schemas("register", "others-value", file("other.avsc", OTHER).toString()))
          .isZero();
      assertThat(out.toString()).contains("id 4, version 1");
      assertThat(schemas("import", "--from", source.url(), "--subject", "nothing-value"))
          .isEqualTo(Tideway.BAD_INPUT);
      assertThat(err.toString()).contains("has no subject nothing-value");
    }
  }

  @Test
  void shouldGiveEachSubjectItsOwnModeBackAfterAnImport(TestKafka kafka) throws Exception {
    try (SchemaRegistryServer source = startedSource(kafka);
        HttpSchemaRegistryClient target = new HttpSchemaRegistryClient(registry.url())) {
      try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(source.url())) {
        client.register("greetings-value", RegistryState.parse(V1));
        client.register("farewells-value", RegistryState.parse(FAREWELL));
        client.setCompatibility("greetings-value", CompatibilityLevel.FULL);
      }
      target.register("greetings-value", RegistryState.parse(V1));
      target.setCompatibility("greetings-value", CompatibilityLevel.NONE);
      target.setMode("greetings-value", RegistryMode.READONLY, false);
      // As an import stopped half way leaves it.
      target.setMode("farewells-value", RegistryMode.IMPORT, false);

      target.setMode(null, RegistryMode.READONLY_OVERRIDE, false);
      assertThat(schemas("import", "--from", source.url(), "--force")).isEqualTo(Tideway.BAD_INPUT);
      assertThat(err.toString()).contains("READONLY_OVERRIDE");
      target.setMode(null, RegistryMode.READWRITE, false);

      assertThat(schemas("import", "--from", source.url(), "--force")).isZero();
      assertThat(out.toString()).contains("level NONE -> FULL").contains("farewells-value --clear");
      assertThat(target.ownMode("greetings-value")).contains(RegistryMode.READONLY);
      assertThat(target.ownCompatibility("greetings-value")).contains(CompatibilityLevel.FULL);
      assertThat(target.version("farewells-value", 1).id()).isEqualTo(2);

      assertThat(schemas("mode", "farewells-value", "--clear")).isZero();
      assertThat(out.toString()).contains("farewells-value: IMPORT -> READWRITE");
      assertThat(target.ownMode("farewells-value")).isEmpty();
    }
  }

  @Test
  void shouldAnswerBadInputWithOneLineAndExitCodeTwo() throws Exception {
    assertThat(schemas("config", "--set", "SIDEWAYS")).isEqualTo(Tideway.BAD_INPUT);
    assertThat(err.toString()).contains("SIDEWAYS");

    assertThat(
            schemas("register", "s-value", file("broken.avsc", "{\"type\":\"record\"").toString()))
        .isEqualTo(Tideway.BAD_INPUT);
    assertThat(err.toString()).contains("42201");

    assertThat(schemas("register", "s-value", dir.resolve("missing.avsc").toString()))
        .isEqualTo(Tideway.BAD_INPUT);
    assertThat(err.toString()).contains("missing.avsc");

    assertThat(run("schemas", "list", "--registry-url", "ftp://ci:hunter2@localhost"))
        .isEqualTo(Tideway.BAD_INPUT);
    assertThat(err.toString()).contains("'ftp://***@localhost'").doesNotContain("hunter2");
  }

  @Test
  void shouldNameAnUnreachableRegistryWithinBoundedTime() {
    String url = "http://127.0.0.1:" + LoopbackPorts.pickFree();
    long start = System.nanoTime();

    int code = run("schemas", "list", "--registry-url", url);

    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains(url);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
  }

  /** A second registry on the test's broker, to import from. */
  private static SchemaRegistryServer startedSource(TestKafka kafka) throws InterruptedException {
    SchemaRegistryServer source =
        new SchemaRegistryServer(
            SchemaRegistryServer.Settings.of(kafka.bootstrapServers())
                .withTopic(kafka.topicName("_source_schemas"))
                .withPort(0));
    source.start();
    return source;
  }

  private int schemas(String... args) {
    String[] ordered = new String[args.length + 3];
    ordered[0] = "schemas";
    ordered[1] = args[0];
    ordered[2] = "--registry-url";
    ordered[3] = registry.url();
    System.arraycopy(args, 1, ordered, 4, args.length - 1);
    return run(ordered);
  }

  private int run(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    CommandLine cli = Tideway.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  private Path file(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }
}
