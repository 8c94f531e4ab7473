package io.tideway.loadtest.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideway.loadtest.Machine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The serde benchmark's verdict: for each operation, our serde's average time beside plain Avro's
 * and their ratio, against the target ratio.
 *
 * <p>The ratio's error is propagated from both scores' errors (relative errors added in
 * quadrature), so a ratio near the target can be told apart from one clearly on either side of it.
 * The verdict itself compares the ratio as measured.
 */
public final class SerdeComparison {

  /** Our serde may take at most this many times plain Avro's time. */
  public static final double TARGET_RATIO = 1.25;

  /** The operations compared, by benchmark method prefix, with the name they are reported as. */
  static final Map<String, String> OPERATIONS = operations();

  static final String OURS = "Ours";
  static final String PLAIN = "Plain";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * One benchmark's figure.
   *
   * @param benchmark the benchmark method's name, e.g. {@code roundTripOurs}
   * @param score average time per operation
   * @param error half-width of the confidence interval JMH gives (99.9%); NaN when too few samples
   * @param unit e.g. {@code ns/op}
   */
  public record Score(String benchmark, double score, double error, String unit) {}

  /**
   * One operation measured both ways.
   *
   * @param operation e.g. {@code round trip}
   * @param ours through our serde
   * @param plain through plain Avro
   */
  public record Pair(String operation, Score ours, Score plain) {

    /** How many times plain Avro's time ours takes. */
    public double ratio() {
      return ours.score() / plain.score();
    }

    /** The ratio's error, from both scores' relative errors. */
    public double ratioError() {
      double o = ours.error() / ours.score();
      double p = plain.error() / plain.score();
      return ratio() * Math.sqrt(o * o + p * p);
    }

    /** Whether the ratio is within {@link #TARGET_RATIO}. */
    public boolean meetsTarget() {
      return ratio() <= TARGET_RATIO;
    }
  }

  private final List<Score> scores;
  private final List<Pair> pairs;

  private SerdeComparison(List<Score> scores, List<Pair> pairs) {
    this.scores = List.copyOf(scores);
    this.pairs = List.copyOf(pairs);
  }

  /**
   * Pairs the scores by operation; an operation measured only one way is left out of the pairs.
   *
   * @param scores figures of {@link SerdeBenchmark}'s methods, in any order
   */
  public static SerdeComparison of(List<Score> scores) {
    Map<String, Score> byName = new LinkedHashMap<>();
    scores.forEach(score -> byName.put(score.benchmark(), score));
    List<Pair> pairs = new ArrayList<>();
    OPERATIONS.forEach(
        (prefix, operation) -> {
          Score ours = byName.get(prefix + OURS);
          Score plain = byName.get(prefix + PLAIN);
          if (ours != null && plain != null) {
            pairs.add(new Pair(operation, ours, plain));
          }
        });
    return new SerdeComparison(scores, pairs);
  }

  /** Every figure, as given. */
  public List<Score> scores() {
    return scores;
  }

  /** The operations measured both ways, in the order round trip, serialize, deserialize. */
  public List<Pair> pairs() {
    return pairs;
  }

  /** Whether there is a pair and every pair meets the target. */
  public boolean allMeetTarget() {
    return !pairs.isEmpty() && pairs.stream().allMatch(Pair::meetsTarget);
  }

  /**
   * The report for people: a heading, then one line per operation with both figures, the ratio and
   * the verdict, e.g. {@code round trip ours 1510.2 ± 20.1 ns/op plain 1322.8 ± 15.0 ns/op
   * ours/plain 1.14x ± 0.02 (target <= 1.25x) PASS}.
   */
  public List<String> lines() {
    List<String> lines = new ArrayList<>();
    lines.add(
        "Serde against plain Avro, average time per operation (± 99.9% confidence interval):");
    int width = pairs.stream().mapToInt(p -> p.operation().length()).max().orElse(0);
    for (Pair pair : pairs) {
      lines.add(
          String.format(
              Locale.ROOT,
              "  %-" + width + "s  ours %s  plain %s  ours/plain %.2fx ± %s (target <= %.2fx) %s",
              pair.operation(),
              figure(pair.ours()),
              figure(pair.plain()),
              pair.ratio(),
              number(pair.ratioError(), "%.2f"),
              TARGET_RATIO,
              pair.meetsTarget() ? "PASS" : "MISS"));
    }
    if (pairs.isEmpty()) {
      lines.add("  (no operation was measured both ways)");
    }
    return lines;
  }

  /**
   * The report as JSON: the settings, JMH's own results as its JSON output has them, the pairs with
   * their ratios and verdicts, and the machine.
   *
   * @param settings how JMH was run, by option name
   * @param jmhResults JMH's JSON result array
   */
  public String toJson(Map<String, Object> settings, String jmhResults, Machine machine) {
    ObjectNode root = JSON.createObjectNode();
    root.put("benchmark", "serde");
    root.set("settings", JSON.valueToTree(settings));
    root.put("targetRatio", TARGET_RATIO);
    ArrayNode ratios = root.putArray("ratios");
    for (Pair pair : pairs) {
      ObjectNode node = ratios.addObject();
      node.put("operation", pair.operation());
      node.set("ours", scoreNode(pair.ours()));
      node.set("plain", scoreNode(pair.plain()));
      node.put("ratio", pair.ratio());
      putNumber(node, "ratioError", pair.ratioError());
      node.put("verdict", pair.meetsTarget() ? "PASS" : "MISS");
    }
    root.put("allMeetTarget", allMeetTarget());
    try {
      JsonNode jmh = JSON.readTree(jmhResults == null || jmhResults.isBlank() ? "[]" : jmhResults);
      root.set("jmh", jmh);
      root.set("machine", JSON.valueToTree(machine));
      return JSON.writeValueAsString(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@link #toJson} to a file, replacing it. */
  public void writeJson(Path file, Map<String, Object> settings, String jmhResults, Machine machine)
      throws IOException {
    Files.writeString(file, toJson(settings, jmhResults, machine) + System.lineSeparator());
  }

  private static ObjectNode scoreNode(Score score) {
    ObjectNode node = JSON.createObjectNode();
    node.put("benchmark", score.benchmark());
    node.put("score", score.score());
    putNumber(node, "error", score.error());
    node.put("unit", score.unit());
    return node;
  }

  private static void putNumber(ObjectNode node, String name, double value) {
    if (Double.isNaN(value)) {
      node.putNull(name);
    } else {
      node.put(name, value);
    }
  }

  private static String figure(Score score) {
    return String.format(
        Locale.ROOT, "%.1f ± %s %s", score.score(), number(score.error(), "%.1f"), score.unit());
  }

  /** JMH gives no error for a single measurement; "?" says so rather than "NaN". */
  private static String number(double value, String format) {
    return Double.isNaN(value) ? "?" : String.format(Locale.ROOT, format, value);
  }

  private static Map<String, String> operations() {
    Map<String, String> operations = new LinkedHashMap<>();
    operations.put("roundTrip", "round trip");
    operations.put("serialize", "serialize");
    operations.put("deserialize", "deserialize");
    return Collections.unmodifiableMap(operations);
  }
}
