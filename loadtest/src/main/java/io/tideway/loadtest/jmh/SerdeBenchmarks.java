package io.tideway.loadtest.jmh;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs {@link SerdeBenchmark} with JMH from within the process, for {@code tideway loadtest serde}:
 * each benchmark in forked JVMs on this process's classpath, then pairs the figures in a {@link
 * SerdeComparison}.
 */
public final class SerdeBenchmarks {

  /**
   * Avro 1.12 instantiates generated classes only from trusted packages. Our deserializer trusts
   * the generated classes it reads as by itself; plain Avro needs to be told, as every application
   * reading these contracts with plain Avro is.
   */
  static final String TRUST_CONTRACTS =
      "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.tideway.contracts";

  /** A fixed heap, so that heap resizing does not land in one benchmark's iterations only. */
  static final List<String> HEAP = List.of("-Xms1g", "-Xmx1g");

  /**
   * How long JMH runs each benchmark.
   *
   * @param forks JVMs per benchmark, one after the other
   * @param warmupIterations unmeasured iterations per fork
   * @param measurementIterations measured iterations per fork
   * @param iteration length of every iteration
   */
  public record Shape(
      int forks, int warmupIterations, int measurementIterations, TimeValue iteration) {

    /**
     * About 2.5 minutes for the six benchmarks: 3 forks × (3 + 4) one-second iterations. The JIT
     * settles within the third second. Forks differ more than iterations within a fork do (the
     * compiler's inlining and allocation elimination come out differently from one JVM to the
     * next), so three short forks measure better than two long ones.
     */
    public static final Shape FULL = new Shape(3, 3, 4, TimeValue.seconds(1));

    /** About 40 s, for trying the command out: one fork, so errors are wider. */
    public static final Shape QUICK = new Shape(1, 3, 3, TimeValue.seconds(1));
  }

  /**
   * What to run.
   *
   * @param shape forks and iterations
   * @param profilers JMH profilers by name, e.g. {@code gc} or {@code stack}
   * @param jvmArgs further arguments for the forked JVMs
   */
  public record Settings(Shape shape, List<String> profilers, List<String> jvmArgs) {

    public Settings {
      profilers = List.copyOf(profilers);
      jvmArgs = List.copyOf(jvmArgs);
    }

    /** These settings by name, for the report. */
    public Map<String, Object> asMap() {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("mode", Mode.AverageTime.shortLabel());
      map.put("forks", shape.forks());
      map.put("warmupIterations", shape.warmupIterations());
      map.put("measurementIterations", shape.measurementIterations());
      map.put("iteration", shape.iteration().toString());
      map.put("profilers", profilers);
      map.put("jvmArgs", forkedJvmArgs(this));
      return map;
    }
  }

  /**
   * What a run measured.
   *
   * @param comparison the pairs and their verdicts
   * @param jmhJson JMH's results in its own JSON format
   */
  public record Outcome(SerdeComparison comparison, String jmhJson) {}

  private SerdeBenchmarks() {}

  /**
   * Runs every benchmark of {@link SerdeBenchmark}; JMH prints its progress and its own table to
   * {@code out}.
   *
   * @throws RunnerException when a benchmark fails or a fork cannot start
   */
  public static Outcome run(Settings settings, PrintStream out) throws RunnerException {
    Collection<RunResult> results =
        new Runner(
                options(settings),
                OutputFormatFactory.createFormatInstance(out, VerboseMode.NORMAL))
            .run();
    List<SerdeComparison.Score> scores = new ArrayList<>();
    for (RunResult result : results) {
      String benchmark = result.getParams().getBenchmark();
      Result<?> primary = result.getPrimaryResult();
      scores.add(
          new SerdeComparison.Score(
              benchmark.substring(benchmark.lastIndexOf('.') + 1),
              primary.getScore(),
              primary.getScoreError(),
              primary.getScoreUnit()));
    }
    return new Outcome(SerdeComparison.of(scores), jmhJson(results));
  }

  /** JMH's options for these settings. */
  static Options options(Settings settings) {
    Shape shape = settings.shape();
    // JMH starts the forks with this JVM's java.class.path, which holds the generated benchmark
    // list and every library the benchmarks need; the forks get no other classpath.
    ChainedOptionsBuilder builder =
        new OptionsBuilder()
            .include("^" + Pattern.quote(SerdeBenchmark.class.getName() + ".") + ".*")
            .mode(Mode.AverageTime)
            .timeUnit(TimeUnit.NANOSECONDS)
            .forks(shape.forks())
            .warmupIterations(shape.warmupIterations())
            .warmupTime(shape.iteration())
            .measurementIterations(shape.measurementIterations())
            .measurementTime(shape.iteration())
            .threads(1)
            .shouldFailOnError(true)
            .jvmArgsAppend(forkedJvmArgs(settings).toArray(String[]::new));
    settings.profilers().forEach(builder::addProfiler);
    return builder.build();
  }

  static List<String> forkedJvmArgs(Settings settings) {
    List<String> args = new ArrayList<>(HEAP);
    args.add(TRUST_CONTRACTS);
    args.addAll(settings.jvmArgs());
    return args;
  }

  private static String jmhJson(Collection<RunResult> results) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    ResultFormatFactory.getInstance(ResultFormatType.JSON, stream).writeOut(results);
    stream.flush();
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
