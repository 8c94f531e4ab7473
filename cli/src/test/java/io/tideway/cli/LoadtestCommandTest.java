package io.tideway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.deploy.PlatformEndpoints;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadtestCommandTest {

  private final CapturedCommandLine cli = new CapturedCommandLine();

  @TempDir Path dataDir;

  @Test
  void writesNoPasswordNorTheCredentialsOfAUrlIntoAResultFile() throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode settings =
        json.readTree(
            """
            {"user": "postgres", "password": "secret",
             "registryUrl": "http://writer:s3cret@registry:8081/base",
             "serverUrl": "jdbc:postgresql://127.0.0.1:5432/",
             "nested": [{"url": "https://a:b@host"}]}
            """);

    String written = json.writeValueAsString(LoadtestCommand.withoutSecrets(settings));

    assertThat(written)
        .doesNotContain("secret")
        .doesNotContain("s3cret")
        .doesNotContain("a:b@")
        .contains("\"user\":\"postgres\"")
        .contains("\"registryUrl\":\"http://registry:8081/base\"")
        .contains("\"url\":\"https://host\"");
  }

  @Test
  void shouldListItsScenariosInHelp() {
    // when
    int code = cli.run("loadtest", "--help");

    // then
    assertThat(code).isZero();
    assertThat(cli.out())
        .contains("Usage: tideway loadtest")
        .contains("  produce ")
        .contains("  passthrough ")
        .contains("  registry ")
        .contains("  serde ");
  }

  @Test
  void shouldBeListedAmongTidewaysCommands() {
    assertThat(cli.run("--help")).isZero();
    assertThat(cli.out()).contains("  loadtest ");
  }

  @Test
  void shouldRejectARunWithoutAnEndInOneLine() {
    // when
    int code = cli.run("loadtest", "produce", "--bootstrap-server", "127.0.0.1:9092");

    // then
    assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    assertThat(cli.err().lines())
        .singleElement()
        .asString()
        .startsWith("tideway loadtest produce: ")
        .contains("--records")
        .contains("--duration");
    assertThat(cli.out()).isEmpty();
  }

  @Test
  void shouldRejectAnUnknownGuaranteeInOneLine() {
    // when
    int code =
        cli.run(
            "loadtest",
            "passthrough",
            "--bootstrap-server",
            "127.0.0.1:9092",
            "--records",
            "10",
            "--guarantee",
            "exactly_once");

    // then
    assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    assertThat(cli.err().lines())
        .singleElement()
        .asString()
        .isEqualTo(
            "tideway loadtest passthrough: --guarantee must be one of at_least_once,"
                + " exactly_once_v2 (was 'exactly_once')");
  }

  @Test
  void shouldRejectANonPositiveRecordSizeInOneLine() {
    // when
    int code =
        cli.run(
            "loadtest",
            "produce",
            "--bootstrap-server",
            "127.0.0.1:9092",
            "--records",
            "10",
            "--record-size",
            "0");

    // then
    assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    assertThat(cli.err().lines()).singleElement().asString().contains("--record-size");
  }

  @Test
  void shouldRejectAnUnreadableDurationAsAUsageError() {
    int code =
        cli.run("loadtest", "produce", "--bootstrap-server", "127.0.0.1:9092", "--duration", "3x");

    assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    assertThat(cli.err()).contains("'3x' is not a duration");
  }

  @Test
  void shouldNameTheFixWhenNoPlatformRunsAndNoBrokerIsGiven() {
    // when
    int code = cli.run("loadtest", "produce", "--data-dir", dataDir.toString(), "--records", "10");

    // then
    assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    assertThat(cli.err()).contains("No platform is running").contains("pass --bootstrap-server");
  }

  @Test
  void shouldNotTrustTheEndpointsAKilledPlatformLeft() throws Exception {
    // given the endpoints and lock file of a platform whose process is gone
    PlatformEndpoints.of(
            new PlatformEndpoints.Kafka("127.0.0.1:19092"),
            new PlatformEndpoints.Postgres(
                "jdbc:postgresql://127.0.0.1:15432/postgres", "postgres"))
        .writeTo(dataDir);
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Files.writeString(dataDir.resolve("tideway.lock"), Long.toString(gone.pid()));

    // when
    int code = cli.run("loadtest", "produce", "--data-dir", dataDir.toString(), "--records", "10");

    // then
    assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    assertThat(cli.err()).contains("No platform is running");
  }

  @Test
  void shouldOfferTheRegistryScenarioNoKafkaOptions() {
    // when
    int code = cli.run("loadtest", "registry", "--help");

    // then
    assertThat(code).isZero();
    assertThat(cli.out())
        .contains("--registry-url")
        .contains("--schemas")
        .contains("--concurrency")
        .contains("--rate")
        .doesNotContain("--bootstrap-server")
        .doesNotContain("--producer-prop");
  }

  @Test
  void shouldRejectANonPositiveConcurrencyInOneLineBeforeLookingForThePlatform() {
    // when
    int code =
        cli.run(
            "loadtest",
            "registry",
            "--data-dir",
            dataDir.toString(),
            "--records",
            "10",
            "--concurrency",
            "0");

    // then
    assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    assertThat(cli.err().lines())
        .singleElement()
        .asString()
        .isEqualTo("tideway loadtest registry: --concurrency must be positive (was 0)");
  }

  @Test
  void shouldNameTheFixWhenNoPlatformRunsAndNoRegistryIsGiven() {
    // when
    int code = cli.run("loadtest", "registry", "--data-dir", dataDir.toString(), "--records", "10");

    // then
    assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    assertThat(cli.err()).contains("No platform is running").contains("pass --registry-url");
  }

  @Test
  void shouldFailInOneLineWhenTheRegistryDoesNotAnswer() throws Exception {
    // given a port nothing listens on
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }

    // when
    int code =
        cli.run(
            "loadtest",
            "registry",
            "--data-dir",
            dataDir.toString(),
            "--registry-url",
            "http://127.0.0.1:" + port,
            "--records",
            "10");

    // then
    assertThat(code).isEqualTo(1);
    assertThat(cli.err().lines())
        .singleElement()
        .asString()
        .startsWith(
            "tideway loadtest registry: The schema registry at http://127.0.0.1:"
                + port
                + " did not answer");
  }

  @Test
  void shouldDescribeTheSerdeBenchmarkAndItsTarget() {
    // when
    int code = cli.run("loadtest", "serde", "--help");

    // then
    assertThat(code).isZero();
    assertThat(cli.out())
        .contains("--quick")
        .contains("--prof")
        .contains("--json")
        .contains("at most 1.25x");
  }
}
