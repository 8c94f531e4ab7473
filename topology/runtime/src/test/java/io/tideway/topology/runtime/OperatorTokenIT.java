package io.tideway.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tideway.fixtures.Balances;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import io.tideway.topology.DeploymentContext;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runtime with an operator token: what changes what it runs needs the token, what reads does not.
 */
@TidewayTest
class OperatorTokenIT {

  @TempDir Path dir;

  @Test
  void deploysUndeploysResetsAndRebuildsOnlyForTheBearerOfTheToken(TestKafka kafka)
      throws Exception {
    String token = UUID.randomUUID().toString();
    RuntimeSettings settings =
        RuntimeSettings.of(kafka.bootstrapServers(), dir.resolve("state"))
            .withOperatorToken(token)
            .withDeploymentDefaults(
                Map.of(
                    DeploymentContext.TOPIC_RENAME_PREFIX + "ledger",
                    kafka.createTopic("ledger", 1)));
    Path jar = FixtureJars.jar(dir, "balances.jar", List.of(Balances.class));
    try (TopologyRuntime runtime =
        TopologyRuntime.start(settings, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
      RuntimeClient anyone = new RuntimeClient(runtime.url());
      RuntimeClient wrong = new RuntimeClient(runtime.url(), "not-" + token);
      RuntimeClient operator = new RuntimeClient(runtime.url(), token);

      // Large, so that the refusal comes while it is still being sent: refused by its headers.
      Path large = Files.write(dir.resolve("large.jar"), new byte[32 * 1024 * 1024]);
      for (RuntimeClient refused : List.of(anyone, wrong)) {
        assertThatThrownBy(() -> refused.deploy(large, Map.of(), 1, false, false))
            .isInstanceOfSatisfying(
                RuntimeClient.RuntimeError.class, e -> assertThat(e.status()).isEqualTo(401))
            .hasMessageContaining("operator token");
      }
      assertThat(unreadBodyRefused(URI.create(runtime.url()).getPort())).startsWith("HTTP/1.1 401");
      assertThat(runtime.deployments()).isEmpty();

      operator.deploy(jar, Map.of(), 1, false, false);
      assertThat(anyone.deployments())
          .extracting(DeploymentStatus::name)
          .containsExactly("balances");
      HttpResponse<String> refusal =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(runtime.url() + "/v1/deployments/balances"))
                      .DELETE()
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(refusal.statusCode()).isEqualTo(401);
      assertThat(refusal.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
      assertThatThrownBy(() -> anyone.reset("balances", null, true))
          .isInstanceOfSatisfying(
              RuntimeClient.RuntimeError.class, e -> assertThat(e.status()).isEqualTo(401));
      assertThatThrownBy(() -> anyone.rebuild("balances", true, Set.of()))
          .isInstanceOfSatisfying(
              RuntimeClient.RuntimeError.class, e -> assertThat(e.status()).isEqualTo(401));
      assertThat(runtime.deployments()).hasSize(1);

      assertThat(operator.reset("balances", null, true).dryRun()).isTrue();
      assertThat(operator.undeploy("balances").name()).isEqualTo("balances");
      assertThat(runtime.deployments()).isEmpty();
    }
  }

  /**
   * A deploy without the token, from a client that sends its body without waiting to be told to
   * continue: a little more than the runtime reads of a refused body, of a much larger one the
   * request announces. The refusal must come without the rest, and the connection close.
   *
   * @return everything the runtime sent back
   */
  private static String unreadBodyRefused(int port) throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/deployments?jar=large.jar HTTP/1.1\r\nHost: localhost\r\n"
                  + "Content-Type: application/java-archive\r\nContent-Length: "
                  + 512L * 1024 * 1024
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      byte[] megabyte = new byte[1024 * 1024];
      for (int sent = 0; sent < RuntimeHttp.REFUSED_BODY_READ; sent += megabyte.length) {
        out.write(megabyte);
      }
      out.write(new byte[1024]);
      out.flush();
      // Read to the end: the runtime closes the connection after its answer.
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }
  }
}
