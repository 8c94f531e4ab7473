package io.tideway.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * What a run measured: its measured records only, warm-up excluded. Prints as kafka-producer-perf-
 * test's summary line and writes a JSON report that carries the whole latency histogram, so reports
 * can be merged and plotted later.
 */
public final class LoadTestResult {

  /** Megabytes as kafka-producer-perf-test counts them. */
  static final double BYTES_PER_MB = 1024.0 * 1024.0;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final String scenario;
  private final String unit;
  private final String runId;
  private final Map<String, Object> settings;
  private final int recordSize;
  private final Instant start;
  private final Instant end;
  private final Instant measuredFrom;
  private final Instant measuredUntil;
  private final long recordsMeasured;
  private final long recordsLost;
  private final boolean stoppedEarly;
  private final Histogram latencyMicros;
  private final Machine machine;

  LoadTestResult(
      String scenario,
      String runId,
      Map<String, Object> settings,
      int recordSize,
      Instant start,
      Instant end,
      Instant measuredFrom,
      Instant measuredUntil,
      long recordsLost,
      boolean stoppedEarly,
      Histogram latencyMicros,
      Machine machine) {
    this(
        scenario,
        ProgressWindow.RECORDS,
        runId,
        settings,
        recordSize,
        start,
        end,
        measuredFrom,
        measuredUntil,
        recordsLost,
        stoppedEarly,
        latencyMicros,
        machine);
  }

  LoadTestResult(
      String scenario,
      String unit,
      String runId,
      Map<String, Object> settings,
      int recordSize,
      Instant start,
      Instant end,
      Instant measuredFrom,
      Instant measuredUntil,
      long recordsLost,
      boolean stoppedEarly,
      Histogram latencyMicros,
      Machine machine) {
    this.scenario = scenario;
    this.unit = unit;
    this.runId = runId;
    this.settings = settings;
    this.recordSize = recordSize;
    this.start = start;
    this.end = end;
    this.measuredFrom = measuredFrom;
    this.measuredUntil = measuredUntil;
    this.recordsMeasured = latencyMicros.getTotalCount();
    this.recordsLost = recordsLost;
    this.stoppedEarly = stoppedEarly;
    this.latencyMicros = latencyMicros;
    this.machine = machine;
  }

  /** The scenario's name. */
  public String scenario() {
    return scenario;
  }

  /** What the scenario's records are called, e.g. {@code records} or {@code requests}. */
  public String unit() {
    return unit;
  }

  /** The run's identifier, part of the names of the topics and groups it created. */
  public String runId() {
    return runId;
  }

  /** When the run began sending, warm-up included. */
  public Instant start() {
    return start;
  }

  /** When the run stopped waiting for records, before clean-up. */
  public Instant end() {
    return end;
  }

  /**
   * Where the span throughput is counted over begins: when the first measured record completed,
   * rather than the measured phase's first send, so that records still queued from the warm-up (in
   * a producer's buffer, or ahead of a Streams application) do not dilute it — but never later than
   * {@link #measuredUntil()} less the span the measured records were sent over, so that a backlog
   * draining during the run cannot lift the rate above the one offered.
   */
  public Instant measuredFrom() {
    return measuredFrom;
  }

  /** When the last measured record completed. */
  public Instant measuredUntil() {
    return measuredUntil;
  }

  /** The span throughput is counted over: {@link #measuredFrom()} to {@link #measuredUntil()}. */
  public Duration duration() {
    return Duration.between(measuredFrom, measuredUntil);
  }

  /** Measured records that completed. */
  public long recordsMeasured() {
    return recordsMeasured;
  }

  /** Measured records sent that did not complete within the time the run waits for them. */
  public long recordsLost() {
    return recordsLost;
  }

  /** Whether the run was stopped before its end, e.g. by Ctrl-C. */
  public boolean stoppedEarly() {
    return stoppedEarly;
  }

  /** Measured records per second of {@link #duration()}; zero when it is zero. */
  public double recordsPerSecond() {
    double seconds = duration().toNanos() / 1e9;
    return seconds <= 0 ? 0 : recordsMeasured / seconds;
  }

  /** Value megabytes (2^20 bytes) of completed measured records per second. */
  public double megabytesPerSecond() {
    return recordsPerSecond() * recordSize / BYTES_PER_MB;
  }

  /** Latency figures in milliseconds. */
  public LatencySummary latency() {
    return LatencySummary.of(latencyMicros);
  }

  /** A copy of the latency histogram, in microseconds. */
  public Histogram latencyMicros() {
    return latencyMicros.copy();
  }

  /** The machine the run was measured on. */
  public Machine machine() {
    return machine;
  }

  /**
   * The summary in kafka-producer-perf-test's format: {@code N records sent, X records/sec (Y
   * MB/sec), A ms avg latency, M ms max latency, P ms 50th, P ms 95th, P ms 99th, P ms 99.9th.}
   * Percentiles are whole milliseconds there; the JSON report has them exactly. A scenario that
   * sends something other than records says so: {@code N requests sent, X requests/sec …}.
   */
  public String summaryLine() {
    LatencySummary latency = latency();
    return String.format(
        Locale.ROOT,
        "%d %s sent, %f %s/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, %d ms 50th,"
            + " %d ms 95th, %d ms 99th, %d ms 99.9th.",
        recordsMeasured,
        unit,
        recordsPerSecond(),
        unit,
        megabytesPerSecond(),
        latency.avg(),
        latency.max(),
        wholeMillis(latency.p50()),
        wholeMillis(latency.p95()),
        wholeMillis(latency.p99()),
        wholeMillis(latency.p999()));
  }

  /** The report as a JSON object. */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("scenario", scenario);
    root.put("unit", unit);
    root.put("runId", runId);
    root.set("settings", JSON.valueToTree(settings));
    root.put("start", start.toString());
    root.put("end", end.toString());
    root.put("measuredFrom", measuredFrom.toString());
    root.put("measuredUntil", measuredUntil.toString());
    root.put("stoppedEarly", stoppedEarly);
    root.put("recordsMeasured", recordsMeasured);
    root.put("recordsLost", recordsLost);
    root.put("durationSeconds", duration().toNanos() / 1e9);
    root.put("recordsPerSecond", recordsPerSecond());
    root.put("megabytesPerSecond", megabytesPerSecond());
    LatencySummary latency = latency();
    ObjectNode millis = root.putObject("latencyMs");
    millis.put("avg", latency.avg());
    millis.put("max", latency.max());
    millis.put("p50", latency.p50());
    millis.put("p95", latency.p95());
    millis.put("p99", latency.p99());
    millis.put("p999", latency.p999());
    ObjectNode histogram = root.putObject("histogram");
    histogram.put("unit", "microseconds");
    histogram.put("encoding", "HdrHistogram compressed, base64");
    histogram.put("data", encode(latencyMicros));
    root.set("machine", JSON.valueToTree(machine));
    try {
      return JSON.writeValueAsString(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@link #toJson()} to a file, replacing it. */
  public void writeJson(Path file) throws IOException {
    Files.writeString(file, toJson() + System.lineSeparator());
  }

  /** Reads back a histogram from the report's {@code histogram.data}. */
  public static Histogram decodeHistogram(String base64) {
    try {
      return Histogram.decodeFromCompressedByteBuffer(
          ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
    } catch (DataFormatException e) {
      throw new IllegalArgumentException("Not a compressed HdrHistogram", e);
    }
  }

  /**
   * A histogram as the report carries it: compressed, base64; {@link #decodeHistogram} reads it.
   */
  public static String encode(Histogram histogram) {
    ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
    int length = histogram.encodeIntoCompressedByteBuffer(buffer);
    return Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
  }

  private static long wholeMillis(double millis) {
    return (long) millis;
  }
}
