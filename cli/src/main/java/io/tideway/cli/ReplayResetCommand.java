package io.tideway.cli;

import io.tideway.replay.LogPosition;
import io.tideway.topology.runtime.ResetPlan;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tideway replay reset <deployment> --to-earliest|--to-datetime T|--by-duration D
 * [--dry-run]}.
 */
@Command(
    name = "reset",
    mixinStandardHelpOptions = true,
    description = {
      "Reprocess a deployment's inputs from a point: the runtime stops it, moves its group's input"
          + " offsets with Kafka's StreamsResetter, deletes its internal topics and local state,"
          + " and starts it again; its read models are rebuilt from that point on (queries fail"
          + " meanwhile; 'replay rebuild' has no downtime).",
      "Refused while instances of the deployment run in another runtime. --dry-run prints the"
          + " plan and changes nothing."
    })
final class ReplayResetCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;
  @Mixin private RuntimeOption runtime;
  @Mixin private OperatorTokenOption operator;

  @Parameters(index = "0", paramLabel = "DEPLOYMENT", description = "The deployment's name.")
  private String deployment;

  @ArgGroup(multiplicity = "1")
  private Target target;

  static final class Target {
    @Option(names = "--to-earliest", description = "From the earliest records the inputs keep.")
    boolean earliest;

    @Option(
        names = "--to-datetime",
        paramLabel = "TIME",
        description = "From the first record at or after TIME (ISO-8601, or epoch milliseconds).")
    String datetime;

    @Option(
        names = "--by-duration",
        paramLabel = "DURATION",
        description = "From this long ago (ISO-8601 duration, e.g. PT1H or P2D).")
    String duration;
  }

  @Option(names = "--dry-run", description = "Print the plan; change nothing.")
  private boolean dryRun;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    ResetPlan plan = runtime.client(operator).reset(deployment, to(), dryRun);
    out.printf(
        "%s %s (%s) to %s%n",
        dryRun ? "Would reset" : "Reset", plan.deployment(), plan.applicationId(), plan.target());
    out.printf("  %-40s  %9s  %12s  %12s%n", "TOPIC", "PARTITION", "FROM", "TO");
    for (ResetPlan.PartitionReset p : plan.partitions()) {
      out.printf(
          "  %-40s  %9d  %12s  %12d%n",
          p.topic(), p.partition(), p.from() == null ? "-" : p.from(), p.to());
    }
    out.println("  internal topics deleted: " + plan.internalTopics());
    out.println("  local state deleted: " + plan.stateDir());
    out.println(dryRun ? "Dry run: nothing changed." : plan.deployment() + " runs again.");
    out.flush();
    return 0;
  }

  /** The time to reset to, as the runtime takes it; null for the earliest. */
  private String to() {
    if (target.earliest) {
      return null;
    }
    if (target.datetime != null) {
      return LogPosition.parseTime(target.datetime, "--to-datetime").toString();
    }
    Duration back;
    try {
      back = Duration.parse(target.duration);
    } catch (DateTimeParseException e) {
      throw new ParameterException(
          spec.commandLine(),
          "--by-duration must be an ISO-8601 duration such as PT1H or P2D, not " + target.duration);
    }
    if (back.isNegative()) {
      throw new ParameterException(
          spec.commandLine(), "--by-duration must not be negative: " + target.duration);
    }
    // A long duration reaches past what Instant holds, or before anything Kafka has.
    if (back.compareTo(Duration.between(Instant.EPOCH, Instant.now())) > 0) {
      throw new ParameterException(
          spec.commandLine(), "--by-duration reaches back before 1970: " + target.duration);
    }
    return Instant.now().minus(back).toString();
  }
}
