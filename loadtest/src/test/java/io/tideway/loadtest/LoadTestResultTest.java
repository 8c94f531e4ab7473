package io.tideway.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadTestResultTest {

  private static final Instant START = Instant.parse("2025-01-02T03:04:05Z");

  @TempDir Path dir;

  @Test
  void shouldSummariseInKafkaProducerPerfTestsFormat() {
    // given 1,000 records of 2 ms each in half a second
    LoadTestResult result = result(1_000, 2_000, 500);

    // when / then
    assertThat(result.summaryLine())
        .isEqualTo(
            "1000 records sent, 2000.000000 records/sec (0.19 MB/sec), 2.00 ms avg latency, 2.00"
                + " ms max latency, 2 ms 50th, 2 ms 95th, 2 ms 99th, 2 ms 99.9th.");
  }

  @Test
  void shouldCutPercentilesToWholeMillisecondsInTheSummaryOnly() {
    // given latencies of 1.5 ms and one of 9.9 ms
    Histogram micros = LatencyRecording.newHistogram();
    micros.recordValueWithCount(1_500, 999);
    micros.recordValue(9_900);
    LoadTestResult result = result(micros, 1_000);

    // when
    String summary = result.summaryLine();

    // then
    assertThat(summary).endsWith(", 1 ms 50th, 1 ms 95th, 1 ms 99th, 1 ms 99.9th.");
    assertThat(result.latency().p50()).isEqualTo(1.5);
    assertThat(result.latency().max()).isBetween(9.9, 9.91);
    assertThat(result.latency().p50())
        .isLessThanOrEqualTo(result.latency().p99())
        .isLessThanOrEqualTo(result.latency().max());
  }

  @Test
  void shouldReportZeroThroughputForAnEmptyRun() {
    LoadTestResult result = result(LatencyRecording.newHistogram(), 0);

    assertThat(result.recordsPerSecond()).isZero();
    assertThat(result.summaryLine())
        .isEqualTo(
            "0 records sent, 0.000000 records/sec (0.00 MB/sec), 0.00 ms avg latency, 0.00 ms max"
                + " latency, 0 ms 50th, 0 ms 95th, 0 ms 99th, 0 ms 99.9th.");
  }

  @Test
  void shouldCallTheRecordsWhatTheScenarioSends() {
    // given 1,000 requests of 2 ms each in half a second
    Histogram micros = LatencyRecording.newHistogram();
    micros.recordValueWithCount(2_000, 1_000);
    LoadTestResult result =
        new LoadTestResult(
            "registry",
            "requests",
            "abcd1234",
            Map.of(),
            500,
            START.minusSeconds(5),
            START.plusMillis(510),
            START,
            START.plusMillis(500),
            0,
            false,
            micros,
            Machine.current());

    // when / then
    assertThat(result.summaryLine())
        .isEqualTo(
            "1000 requests sent, 2000.000000 requests/sec (0.95 MB/sec), 2.00 ms avg latency,"
                + " 2.00 ms max latency, 2 ms 50th, 2 ms 95th, 2 ms 99th, 2 ms 99.9th.");
    assertThat(result.toJson()).contains("\"unit\" : \"requests\"");
  }

  @Test
  void shouldWriteOneJsonObjectWithSettingsFiguresHistogramAndMachine() throws Exception {
    // given
    LoadTestResult result = result(1_000, 2_000, 500);
    Path file = dir.resolve("report.json");

    // when
    result.writeJson(file);

    // then
    JsonNode json = new ObjectMapper().readTree(Files.readString(file));
    assertThat(json.isObject()).isTrue();
    assertThat(json.get("scenario").asText()).isEqualTo("passthrough");
    assertThat(json.get("runId").asText()).isEqualTo("abcd1234");
    assertThat(json.get("unit").asText()).isEqualTo("records");
    assertThat(json.at("/settings/bootstrapServers").asText()).isEqualTo("127.0.0.1:9092");
    assertThat(json.at("/settings/rate").asLong()).isEqualTo(-1);
    assertThat(json.at("/settings/duration").isNull()).isTrue();
    assertThat(json.at("/settings/records").asLong()).isEqualTo(1_000);
    assertThat(json.at("/settings/recordSize").asInt()).isEqualTo(100);
    assertThat(json.at("/settings/warmup").asText()).isEqualTo("5s");
    assertThat(json.at("/settings/topicPartitions").asInt()).isEqualTo(3);
    assertThat(json.at("/settings/guarantee").asText()).isEqualTo("exactly_once_v2");
    assertThat(json.get("start").asText()).isEqualTo("2025-01-02T03:04:00Z");
    assertThat(json.get("end").asText()).isEqualTo("2025-01-02T03:04:05.510Z");
    assertThat(json.get("measuredFrom").asText()).isEqualTo("2025-01-02T03:04:05Z");
    assertThat(json.get("measuredUntil").asText()).isEqualTo("2025-01-02T03:04:05.500Z");
    assertThat(json.get("stoppedEarly").asBoolean()).isFalse();
    assertThat(json.get("recordsMeasured").asLong()).isEqualTo(1_000);
    assertThat(json.get("recordsLost").asLong()).isZero();
    assertThat(json.get("durationSeconds").asDouble()).isEqualTo(0.5);
    assertThat(json.get("recordsPerSecond").asDouble()).isEqualTo(2_000.0);
    assertThat(json.get("megabytesPerSecond").asDouble()).isEqualTo(2_000.0 * 100 / (1024 * 1024));
    for (String figure : new String[] {"avg", "max", "p50", "p95", "p99", "p999"}) {
      assertThat(json.at("/latencyMs/" + figure).asDouble()).as(figure).isEqualTo(2.0);
    }
    assertThat(json.at("/histogram/unit").asText()).isEqualTo("microseconds");
    Histogram decoded = LoadTestResult.decodeHistogram(json.at("/histogram/data").asText());
    assertThat(decoded.getTotalCount()).isEqualTo(1_000);
    assertThat(decoded.getValueAtPercentile(99)).isEqualTo(2_000);
    assertThat(json.at("/machine/availableProcessors").asInt()).isPositive();
    assertThat(json.at("/machine/jvm").asText()).contains(String.valueOf(Runtime.version()));
  }

  private static LoadTestResult result(long records, long micros, long millis) {
    Histogram histogram = LatencyRecording.newHistogram();
    histogram.recordValueWithCount(micros, records);
    return result(histogram, millis);
  }

  private static LoadTestResult result(Histogram micros, long millis) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("bootstrapServers", "127.0.0.1:9092");
    settings.putAll(LoadSettings.ofRecords(1_000).asMap());
    settings.put("guarantee", "exactly_once_v2");
    return new LoadTestResult(
        "passthrough",
        "abcd1234",
        settings,
        100,
        START.minusSeconds(5),
        START.plusMillis(millis + 10),
        START,
        START.plusMillis(millis),
        0,
        false,
        micros,
        Machine.current());
  }
}
