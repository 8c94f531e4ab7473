package io.tideway.schemas.registry;

import static io.tideway.schemas.registry.RunningRegistry.field;
import static io.tideway.schemas.registry.RunningRegistry.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.deploy.embedded.EmbeddedKafka;
import io.tideway.deploy.embedded.LoopbackPorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A registry whose broker goes away: on a broker of its own, as the test stops it. */
class RegistryBrokerOutageIT {

  @TempDir Path dir;

  @Test
  void anIdItCannotLookUpAgainWhileTheBrokerIsDownIsAnErrorNotANotFound() throws Exception {
    EmbeddedKafka broker =
        new EmbeddedKafka(
            dir.resolve("kafka"), LoopbackPorts.pickFree(), LoopbackPorts.pickFree(), Map.of());
    broker.start(Duration.ofSeconds(60));
    SchemaRegistryServer server =
        new SchemaRegistryServer(
            SchemaRegistryServer.Settings.of(broker.bootstrapServers()).withPort(0));
    try {
      server.start();
      RegistryHttp http = new RegistryHttp(server.url());
      int id = http.register("orders-value", record("Order", field("id", "string")));

      broker.close();

      // What its copy holds it answers; what it does not, it cannot know.
      assertThat(http.get("/schemas/ids/" + id).status()).isEqualTo(200);
      RegistryHttp.Answer unknown = http.get("/schemas/ids/" + (id + 1));
      assertThat(unknown.status()).isEqualTo(500);
      assertThat(unknown.errorCode()).isEqualTo(50001);
      assertThat(unknown.message()).contains("could not catch up");
    } finally {
      server.close();
      broker.close();
    }
  }
}
