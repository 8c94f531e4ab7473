package io.tideway.loadtest;

import java.util.Map;

/**
 * One kind of load: what is set up, how a record is sent, and when it counts as complete. The
 * harness ({@link LoadTest}) owns everything the scenarios share: the open-loop schedule, warm-up,
 * latency recording, progress, the summary and the report, and the clean-up of what the run created
 * through its {@link RunContext}.
 *
 * <p>A scenario sends each record when {@link Workload#send} is called and reports it complete,
 * from whichever thread sees it complete, with {@link RunContext#completed(long)} and the intended
 * send time it was given; that is all the harness needs to measure it. A new scenario implements
 * this interface and its {@link Workload}, and gets a subcommand of {@code tideway loadtest}.
 */
public interface Scenario {

  /** The name on the command line and in reports, e.g. {@code produce}. */
  String name();

  /** The scenario's own settings, for the report, by option or configuration name. */
  default Map<String, Object> settings() {
    return Map.of();
  }

  /**
   * Rejects settings this scenario cannot run with.
   *
   * @throws IllegalArgumentException naming the setting and what would work
   */
  default void check(LoadSettings settings) {}

  /**
   * Whether the load goes through Kafka. A scenario that loads something else, such as the schema
   * registry's HTTP API, needs no broker: its run takes no bootstrap server, and its {@link
   * RunContext} creates no topics, groups or clients.
   */
  default boolean usesKafka() {
    return true;
  }

  /**
   * What the load goes to, for the run's first line, when that is not Kafka: e.g. {@code the schema
   * registry at http://127.0.0.1:8081}.
   */
  default String target() {
    return name();
  }

  /**
   * What one unit of load is called in the progress lines and the summary: {@code records}, as
   * kafka-producer-perf-test says, unless the scenario sends something else, such as {@code
   * requests}. The report's field names stay the same whatever the unit.
   */
  default String unit() {
    return ProgressWindow.RECORDS;
  }

  /**
   * Sets up what the load runs through (topics, applications, clients) and returns once it is ready
   * to take the first record, so that start-up does not count as latency.
   */
  Workload start(RunContext context) throws Exception;
}
