package io.tideway.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.schemas.registry.SchemaRegistryServer;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The registry scenario, short and bounded, against Tideway's registry on a real broker. */
@TidewayTest
class RegistryScenarioIT {

  private final List<String> progress = new ArrayList<>();

  @Test
  void shouldMeasureEveryLookupByIdAgainstARealRegistry(TestKafka kafka) throws Exception {
    // given a registry of its own, and 400 requests at 1,000 a second after a short warm-up
    SchemaRegistryServer.Settings settings =
        SchemaRegistryServer.Settings.of(kafka.bootstrapServers())
            .withTopic(kafka.topicName("_schemas"))
            .withPort(0);
    try (SchemaRegistryServer registry = new SchemaRegistryServer(settings)) {
      registry.start();
      LoadSettings load =
          new LoadSettings(
              1_000,
              Optional.empty(),
              OptionalLong.of(400),
              RegistryScenario.answerBytes(10),
              Duration.ofMillis(200),
              LoadSettings.DEFAULT_TOPIC_PARTITIONS);

      // when
      LoadTestResult result =
          new LoadTest(new RegistryScenario(registry.url(), 10, 4), load, progress::add).run();

      // then
      assertThat(result.recordsMeasured()).isEqualTo(400);
      assertThat(result.recordsLost()).isZero();
      assertThat(result.stoppedEarly()).isFalse();
      // A cold JVM on a shared machine may lag behind the schedule: only an upper bound is firm,
      // and a loose one: requests that fell behind catch up in a burst, shortening the span. Far
      // below what the registry answers unthrottled (over 15,000/s), so the schedule did rule.
      assertThat(result.recordsPerSecond()).isPositive().isLessThan(2_000.0);
      assertThat(result.latency().p50()).isPositive().isLessThan(1_000);
      assertThat(result.summaryLine()).startsWith("400 requests sent, ");
      assertThat(progress.get(0)).endsWith("against the schema registry at " + registry.url());

      // and a second run finds its schemas registered: no new versions
      LoadTestResult again =
          new LoadTest(
                  new RegistryScenario(registry.url(), 10, 4),
                  LoadSettings.ofRecords(100).withWarmup(Duration.ZERO),
                  progress::add)
              .run();
      assertThat(again.recordsMeasured()).isEqualTo(100);
      HttpResponse<String> versions =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              registry.url()
                                  + "/subjects/"
                                  + RegistryScenario.subject(9)
                                  + "/versions"))
                      .build(),
                  BodyHandlers.ofString());
      assertThat(versions.body()).isEqualTo("[1]");
    }
  }
}
