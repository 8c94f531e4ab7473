package io.tideway.loadtest.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Random;

/** Report documents in the pipeline benchmark's shape, for the report's tests. */
final class SampleReports {

  static final ObjectMapper JSON = new ObjectMapper();

  /** Seconds of timeline per run that has one. */
  static final int SECONDS = 60;

  /** The runs of {@link #pipeline()}, in order; the insert-only ceiling has no timeline. */
  static final List<String> RUNS =
      List.of(
          "tideway pipeline", "insert-only ceiling", "spring modulith", "produce", "passthrough");

  private SampleReports() {}

  /** A full document as {@code tideway loadtest pipeline} writes it, with a field it ignores. */
  static ObjectNode pipeline() {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("title", "Tideway pipeline benchmark");
    doc.put("generatedAt", "2026-12-05T06:00:00Z");
    doc.put("command", "tideway loadtest pipeline --rate 1000 --duration 60s --report out");
    doc.put("schemaVersion", 1);
    ObjectNode machine = doc.putObject("machine");
    machine.put("processors", 2);
    machine.put("memoryBytes", 25_000_000_000L);
    machine.put("jvm", "OpenJDK 64-Bit Server VM 17.0.15");
    machine.put("os", "Linux amd64");

    ArrayNode runs = doc.putArray("runs");
    Random random = new Random(42);
    runs.add(run(random, RUNS.get(0), "events", 1234.5, 12.1, 80.2, SECONDS));
    runs.add(run(random, RUNS.get(1), "transactions", 2500.0, 3.2, 9.5, 0));
    runs.add(run(random, RUNS.get(2), "events", 880.4, 18.7, 140.3, SECONDS));
    runs.add(run(random, RUNS.get(3), "records", 9800.0, 2.4, 11.8, SECONDS));
    runs.add(run(random, RUNS.get(4), "records", 7650.2, 4.9, 22.6, SECONDS));

    ArrayNode stages = doc.putArray("stages");
    stage(stages, "HTTP response → outbox commit", 1.0, 3.0, 9.0);
    stage(stages, "commit → Kafka", 5.0, 20.0, 40.0);
    stage(stages, "Kafka → processed", 4.0, 30.0, 60.0);
    stage(stages, "processed → queryable", 1.0, 4.0, 10.0);

    ArrayNode ratios = doc.putArray("ratios");
    ratio(ratios, "pipeline / insert-only ceiling", 0.72, 0.6, true);
    ratio(ratios, "pipeline / spring modulith", 1.4, 1.2, true);
    ratio(ratios, "pipeline p99 / produce p99", 6.8, 5.0, false);

    ArrayNode targets = doc.putArray("targets");
    targets
        .addObject()
        .put("name", "HTTP→queryable p99 at 1,000 events/s")
        .put("value", 80.2)
        .put("target", 150)
        .put("unit", "ms")
        .put("met", true);
    targets
        .addObject()
        .put("name", "records lost")
        .put("value", 0)
        .put("target", 0)
        .put("unit", "events")
        .put("met", true);
    targets
        .addObject()
        .put("name", "p99 / produce p99")
        .put("value", 6.8)
        .put("target", 5)
        .put("unit", "×")
        .put("met", false);

    ObjectNode memory = doc.putObject("memory");
    // Summed resident sizes over the limit, the proportional set size within it.
    memory.put("peakRssBytes", 3_500_000_000L);
    memory.put("peakPssBytes", 2_500_000_000L);
    memory.put("limitBytes", 3_221_225_472L);
    ArrayNode processes = memory.putArray("processes");
    processes.addObject().put("name", "tideway up").put("peakRssBytes", 1_500_000_000L);
    processes.addObject().put("name", "load generator").put("peakRssBytes", 600_000_000L);
    processes.addObject().put("name", "PostgreSQL").put("peakRssBytes", 400_000_000L);
    return asParsed(doc);
  }

  /** {@code doc} with the node types a parser gives it, so it equals the document read back. */
  static ObjectNode asParsed(ObjectNode doc) {
    try {
      return (ObjectNode) JSON.readTree(doc.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A document whose arrays are all empty. */
  static ObjectNode empty() {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("title", "Nothing measured");
    doc.putArray("runs");
    doc.putArray("stages");
    doc.putArray("ratios");
    doc.putArray("targets");
    doc.putObject("memory").putArray("processes");
    return doc;
  }

  /** How many figures the page's chart named {@code chart} draws for {@code doc}. */
  static int points(ObjectNode doc, String chart) {
    return switch (chart) {
      case "throughput" -> timelinePoints(doc);
      case "stages" -> doc.path("stages").size() * 3;
      case "ratios" -> doc.path("ratios").size();
      default -> throw new IllegalArgumentException(chart);
    };
  }

  static int timelinePoints(ObjectNode doc) {
    int points = 0;
    for (var run : doc.path("runs")) {
      points += run.path("timeline").size();
    }
    return points;
  }

  private static ObjectNode run(
      Random random, String name, String unit, double rate, double p50, double p99, int seconds) {
    ObjectNode run = JSON.createObjectNode();
    run.put("name", name);
    run.put("unit", unit);
    run.put("recordsPerSecond", rate);
    run.put("recordsMeasured", Math.round(rate * SECONDS));
    run.put("recordsLost", 0);
    ObjectNode latency = run.putObject("latencyMs");
    latency.put("p50", p50);
    latency.put("p95", round(p99 * 0.6));
    latency.put("p99", p99);
    latency.put("p999", round(p99 * 1.5));
    latency.put("max", round(p99 * 3.7));
    ArrayNode timeline = run.putArray("timeline");
    for (int second = 0; second < seconds; second++) {
      double warm = second < 5 ? 1.0 + (5 - second) * 0.25 : 1.0;
      double hiccup = second == 37 ? 2.2 : 1.0;
      timeline
          .addObject()
          .put("second", second)
          .put("recordsPerSecond", round(rate * (0.97 + 0.06 * random.nextDouble()) / hiccup))
          .put("p50", round(p50 * warm * (0.9 + 0.2 * random.nextDouble())))
          .put("p99", round(p99 * warm * hiccup * (0.85 + 0.3 * random.nextDouble())))
          .put("max", round(p99 * warm * hiccup * (1.4 + 1.6 * random.nextDouble())));
    }
    return run;
  }

  private static void stage(ArrayNode stages, String name, double p50, double p99, double max) {
    stages.addObject().put("stage", name).put("p50", p50).put("p99", p99).put("max", max);
  }

  private static void ratio(
      ArrayNode ratios, String name, double value, double target, boolean higherIsBetter) {
    ratios
        .addObject()
        .put("name", name)
        .put("value", value)
        .put("target", target)
        .put("higherIsBetter", higherIsBetter);
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
