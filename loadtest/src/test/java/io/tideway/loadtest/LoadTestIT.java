package io.tideway.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.kafka.clients.admin.GroupListing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both scenarios, short and bounded, against a real broker. */
@TidewayTest
class LoadTestIT {

  private static final Duration WARMUP = Duration.ofSeconds(1);

  @TempDir Path dir;

  private final List<String> progress = new ArrayList<>();

  @Test
  void shouldMeasureProducerAcknowledgementsAsFastAsPossible(TestKafka kafka) throws Exception {
    // given
    LoadSettings settings = LoadSettings.ofRecords(20_000).withWarmup(WARMUP);

    // when
    LoadTestResult result = run(kafka, new ProduceScenario(Map.of()), settings);

    // then
    assertMeasured(result, 20_000);
    assertCleanedUp(kafka, result);
  }

  @Test
  void shouldHoldAFixedRateWhenProducing(TestKafka kafka) throws Exception {
    // given 2,000 records/s for 2 s
    LoadSettings settings = fixedRate(2_000, Duration.ofSeconds(2));

    // when
    LoadTestResult result = run(kafka, new ProduceScenario(Map.of("linger.ms", "1")), settings);

    // then
    assertMeasured(result, 4_000);
    // measured from first to last completion: commits in batches shorten that span a little
    assertThat(result.recordsPerSecond()).isBetween(1_500.0, 2_600.0);
  }

  @Test
  void shouldMeasureEveryRecordThroughKafkaStreamsEndToEnd(TestKafka kafka) throws Exception {
    // given
    LoadSettings settings = LoadSettings.ofRecords(20_000).withWarmup(WARMUP);

    // when
    LoadTestResult result =
        run(kafka, new PassthroughScenario(Guarantee.AT_LEAST_ONCE, Map.of(), Map.of()), settings);

    // then
    assertMeasured(result, 20_000);
    assertCleanedUp(kafka, result);
  }

  @Test
  void shouldReadOnlyCommittedOutputUnderExactlyOnceAtAFixedRate(TestKafka kafka) throws Exception {
    // given 2,000 records/s for 2 s
    LoadSettings settings = fixedRate(2_000, Duration.ofSeconds(2));

    // when
    LoadTestResult result =
        run(
            kafka,
            new PassthroughScenario(Guarantee.EXACTLY_ONCE_V2, Map.of(), Map.of()),
            settings);

    // then every record arrived, each no sooner than a transaction committed it
    assertMeasured(result, 4_000);
    // measured from first to last completion: commits in batches shorten that span a little
    assertThat(result.recordsPerSecond()).isBetween(1_500.0, 2_600.0);
    assertCleanedUp(kafka, result);
  }

  private LoadTestResult run(TestKafka kafka, Scenario scenario, LoadSettings settings)
      throws Exception {
    return new LoadTest(scenario, kafka.bootstrapServers(), settings, progress::add).run();
  }

  private void assertMeasured(LoadTestResult result, long records) throws Exception {
    assertThat(result.recordsMeasured()).isEqualTo(records);
    assertThat(result.recordsLost()).isZero();
    assertThat(result.stoppedEarly()).isFalse();
    LatencySummary latency = result.latency();
    assertThat(latency.p50()).isPositive();
    assertThat(latency.p50()).isLessThanOrEqualTo(latency.p99());
    assertThat(latency.p99()).isLessThanOrEqualTo(latency.max());
    assertThat(progress).anyMatch(line -> line.startsWith("[measure] "));

    Path file = dir.resolve(result.scenario() + ".json");
    result.writeJson(file);
    JsonNode json = new ObjectMapper().readTree(file.toFile());
    assertThat(json.get("scenario").asText()).isEqualTo(result.scenario());
    assertThat(json.get("recordsMeasured").asLong()).isEqualTo(records);
    assertThat(json.at("/latencyMs/p50").asDouble()).isPositive();
    assertThat(json.at("/latencyMs/p999").asDouble())
        .isLessThanOrEqualTo(json.at("/latencyMs/max").asDouble());
    assertThat(LoadTestResult.decodeHistogram(json.at("/histogram/data").asText()).getTotalCount())
        .isEqualTo(records);
  }

  private static void assertCleanedUp(TestKafka kafka, LoadTestResult result) throws Exception {
    String runId = result.runId();
    assertThat(kafka.admin().listTopics().names().get()).noneMatch(name -> name.contains(runId));
    assertThat(kafka.admin().listGroups().all().get())
        .extracting(GroupListing::groupId)
        .noneMatch(group -> group.contains(runId));
  }

  private static LoadSettings fixedRate(long rate, Duration duration) {
    return new LoadSettings(
        rate,
        Optional.of(duration),
        OptionalLong.empty(),
        LoadSettings.DEFAULT_RECORD_SIZE,
        WARMUP,
        LoadSettings.DEFAULT_TOPIC_PARTITIONS);
  }
}
