package io.tideway.services.customer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tideway.contracts.customer.CustomerAddressChanged;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.contracts.customer.CustomerCreditRejected;
import io.tideway.contracts.customer.CustomerCreditReleased;
import io.tideway.contracts.customer.CustomerCreditReserved;
import io.tideway.deploy.embedded.LoopbackPorts;
import io.tideway.schemas.client.HttpSchemaRegistryClient;
import io.tideway.schemas.registry.SchemaRegistryServer;
import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TestService;
import io.tideway.testkit.TidewayTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The customer service starting before its schema registry answers. */
@TidewayTest
class CustomerServiceStartIT {

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void isReadyOnlyOnceTheSchemasOfTheEventsItPublishesAreInTheRegistry(
      TestKafka kafka, TestDatabase db) throws Exception {
    int registryPort = LoopbackPorts.pickFree();
    int servicePort = LoopbackPorts.pickFree();
    SchemaRegistryServer registry =
        new SchemaRegistryServer(
            SchemaRegistryServer.Settings.of(kafka.bootstrapServers())
                .withTopic(kafka.topicName("_schemas"))
                .withPort(registryPort));
    AtomicBoolean ended = new AtomicBoolean();
    // Once the service is alive, with the registry still away: not ready; then the registry.
    CompletableFuture<Integer> readinessWithoutRegistry =
        CompletableFuture.supplyAsync(
            () -> {
              await()
                  .atMost(Duration.ofSeconds(90))
                  .ignoreExceptions()
                  .until(() -> status(servicePort, "/actuator/health/liveness") == 200);
              try {
                // Past the moment Spring Boot itself turns ready, once started.
                Thread.sleep(2_000);
                int readiness = status(servicePort, "/actuator/health/readiness");
                if (!ended.get()) {
                  registry.start();
                }
                return readiness;
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    try (TestService service =
        TestService.start(
            "customer", db, "http://127.0.0.1:" + registryPort, kafka, Map.of(), servicePort)) {
      assertThat(readinessWithoutRegistry.get()).isEqualTo(503);
      try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(registry.url())) {
        assertThat(client.subjects())
            .containsExactlyInAnyOrderElementsOf(
                Stream.of(
                        CustomerCreated.class,
                        CustomerAddressChanged.class,
                        CustomerCreditReserved.class,
                        CustomerCreditRejected.class,
                        CustomerCreditReleased.class)
                    .map(type -> "customer.events-" + type.getName())
                    .toList());
      }
    } finally {
      ended.set(true);
      registry.close();
    }
  }

  private int status(int port, String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
