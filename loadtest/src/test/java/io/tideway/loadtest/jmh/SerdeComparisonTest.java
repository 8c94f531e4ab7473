package io.tideway.loadtest.jmh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.loadtest.Machine;
import io.tideway.loadtest.jmh.SerdeComparison.Pair;
import io.tideway.loadtest.jmh.SerdeComparison.Score;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SerdeComparisonTest {

  @TempDir Path dir;

  private static final List<Score> SCORES =
      List.of(
          score("deserializePlain", 800, 8),
          score("serializeOurs", 660, 6.6),
          score("roundTripOurs", 1500, 30),
          score("deserializeOurs", 1100, 11),
          score("roundTripPlain", 1250, 25),
          score("serializePlain", 600, 6));

  @Test
  void shouldPairEachOperationAndDivideOursByPlain() {
    // when
    SerdeComparison comparison = SerdeComparison.of(SCORES);

    // then round trip, serialize and deserialize, in that order
    assertThat(comparison.pairs())
        .extracting(Pair::operation)
        .containsExactly("round trip", "serialize", "deserialize");
    assertThat(comparison.pairs()).extracting(Pair::ratio).containsExactly(1.2, 1.1, 1.375);
    assertThat(comparison.pairs()).extracting(Pair::meetsTarget).containsExactly(true, true, false);
    assertThat(comparison.allMeetTarget()).isFalse();
  }

  @Test
  void shouldAddTheScoresRelativeErrorsInQuadratureForTheRatiosError() {
    // given 2% error on each side
    Pair pair =
        new Pair("round trip", score("roundTripOurs", 1500, 30), score("roundTripPlain", 1250, 25));

    // when / then: 1.2 × √(0.02² + 0.02²)
    assertThat(pair.ratioError()).isCloseTo(1.2 * Math.sqrt(2) * 0.02, within(1e-12));
  }

  @Test
  void shouldCallARatioOnTheTargetAPass() {
    Pair onTarget =
        new Pair("serialize", score("serializeOurs", 125, 1), score("serializePlain", 100, 1));

    assertThat(onTarget.ratio()).isEqualTo(SerdeComparison.TARGET_RATIO);
    assertThat(onTarget.meetsTarget()).isTrue();
  }

  @Test
  void shouldLeaveOutAnOperationMeasuredOneWayOnly() {
    SerdeComparison comparison =
        SerdeComparison.of(List.of(score("serializeOurs", 660, 6.6), score("roundTripOurs", 1, 1)));

    assertThat(comparison.pairs()).isEmpty();
    assertThat(comparison.allMeetTarget()).isFalse();
    assertThat(comparison.lines()).contains("  (no operation was measured both ways)");
  }

  @Test
  void shouldPrintBothFiguresTheRatioAndTheVerdictPerOperation() {
    // when
    List<String> lines = SerdeComparison.of(SCORES).lines();

    // then
    assertThat(lines)
        .containsExactly(
            "Serde against plain Avro, average time per operation (± 99.9% confidence interval):",
            "  round trip   ours 1500.0 ± 30.0 ns/op  plain 1250.0 ± 25.0 ns/op  ours/plain 1.20x"
                + " ± 0.03 (target <= 1.25x) PASS",
            "  serialize    ours 660.0 ± 6.6 ns/op  plain 600.0 ± 6.0 ns/op  ours/plain 1.10x ±"
                + " 0.02 (target <= 1.25x) PASS",
            "  deserialize  ours 1100.0 ± 11.0 ns/op  plain 800.0 ± 8.0 ns/op  ours/plain 1.38x ±"
                + " 0.02 (target <= 1.25x) MISS");
  }

  @Test
  void shouldShowAMissingErrorAsAQuestionMark() {
    SerdeComparison comparison =
        SerdeComparison.of(
            List.of(score("serializeOurs", 660, Double.NaN), score("serializePlain", 600, 6)));

    assertThat(comparison.lines().get(1))
        .isEqualTo(
            "  serialize  ours 660.0 ± ? ns/op  plain 600.0 ± 6.0 ns/op  ours/plain 1.10x ± ?"
                + " (target <= 1.25x) PASS");
  }

  @Test
  void shouldWriteJmhsResultsTheRatiosAndTheMachineAsJson() throws Exception {
    // given
    SerdeComparison comparison = SerdeComparison.of(SCORES);
    String jmh = "[{\"benchmark\":\"io.tideway.loadtest.jmh.SerdeBenchmark.roundTripOurs\"}]";
    Path file = dir.resolve("serde.json");

    // when
    comparison.writeJson(file, Map.of("forks", 2), jmh, Machine.current());

    // then
    JsonNode json = new ObjectMapper().readTree(Files.readString(file));
    assertThat(json.get("benchmark").asText()).isEqualTo("serde");
    assertThat(json.at("/settings/forks").asInt()).isEqualTo(2);
    assertThat(json.get("targetRatio").asDouble()).isEqualTo(1.25);
    assertThat(json.at("/ratios/0/operation").asText()).isEqualTo("round trip");
    assertThat(json.at("/ratios/0/ours/score").asDouble()).isEqualTo(1500);
    assertThat(json.at("/ratios/0/ours/error").asDouble()).isEqualTo(30);
    assertThat(json.at("/ratios/0/plain/benchmark").asText()).isEqualTo("roundTripPlain");
    assertThat(json.at("/ratios/0/ratio").asDouble()).isEqualTo(1.2);
    assertThat(json.at("/ratios/0/verdict").asText()).isEqualTo("PASS");
    assertThat(json.at("/ratios/2/verdict").asText()).isEqualTo("MISS");
    assertThat(json.get("allMeetTarget").asBoolean()).isFalse();
    assertThat(json.at("/jmh/0/benchmark").asText()).endsWith("SerdeBenchmark.roundTripOurs");
    assertThat(json.at("/machine/availableProcessors").asInt()).isPositive();
  }

  private static Score score(String benchmark, double score, double error) {
    return new Score(benchmark, score, error, "ns/op");
  }
}
