package io.tideway.cli;

import io.tideway.topology.runtime.RebuildRisk;
import io.tideway.topology.runtime.RebuildStatus;
import io.tideway.topology.runtime.RuntimeClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tideway replay rebuild <deployment>}: a rebuild with no downtime, followed to its end. */
@Command(
    name = "rebuild",
    mixinStandardHelpOptions = true,
    description = {
      "Rebuild a deployment's read models with no downtime: the runtime runs the same topology"
          + " under a new application id from the beginning of its inputs, with its side effects"
          + " (commands, records for other services) held back, switches queries to it once it"
          + " has caught up, and retires the old one. Queries are answered throughout.",
      "Shows the rebuild's lag per partition until it is done; interrupting this command does not"
          + " stop the rebuild."
    })
final class ReplayRebuildCommand implements Callable<Integer> {

  private static final long PROGRESS_MILLIS = 1_000;

  @Spec private CommandSpec spec;
  @Mixin private RuntimeOption runtime;
  @Mixin private OperatorTokenOption operator;

  @Parameters(index = "0", paramLabel = "DEPLOYMENT", description = "The deployment's name.")
  private String deployment;

  @Option(
      names = "--dry-run",
      description = "Print the new application id and what it would replay; start nothing.")
  private boolean dryRun;

  @Option(
      names = "--allow-sagas",
      description =
          "Rebuild a deployment that runs sagas all the same: the rebuild decides them again from"
              + " the log, and a rebuilt saga may end otherwise than it did.")
  private boolean allowSagas;

  @Option(
      names = "--allow-truncated-inputs",
      description =
          "Rebuild from what the inputs keep although retention removed their first records: the"
              + " rebuilt read models, which replace the current ones, lack what those made.")
  private boolean allowTruncatedInputs;

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    RuntimeClient client = runtime.client(operator);
    Set<RebuildRisk> allowed = EnumSet.noneOf(RebuildRisk.class);
    if (allowSagas) {
      allowed.add(RebuildRisk.SAGAS);
    }
    if (allowTruncatedInputs) {
      allowed.add(RebuildRisk.TRUNCATED_INPUTS);
    }
    RebuildStatus status = client.rebuild(deployment, dryRun, allowed);
    out.printf(
        "%s %s: %s -> %s%n",
        dryRun ? "Would rebuild" : "Rebuilding", deployment, status.from(), status.to());
    if (dryRun) {
      status
          .partitions()
          .forEach(
              p ->
                  out.printf(
                      "  %s-%d: offsets %d to %d, %d records%n",
                      p.topic(), p.partition(), p.committed(), p.end(), p.end() - p.committed()));
      out.println("Dry run: " + status.message());
      out.flush();
      return 0;
    }
    out.flush();
    while (!status.ended()) {
      Thread.sleep(PROGRESS_MILLIS);
      status = client.rebuildStatus(deployment);
      out.printf(
          "  %-11s lag %d (%s) %s%n",
          status.phase(),
          status.lag(),
          status.partitions().stream()
              .filter(p -> p.end() > p.committed())
              .map(p -> p.topic() + "-" + p.partition() + " " + (p.end() - p.committed()))
              .collect(Collectors.joining(", ")),
          status.message());
      out.flush();
    }
    if (status.phase().equals("FAILED")) {
      spec.commandLine()
          .getErr()
          .println("Rebuild of " + deployment + " failed: " + status.message());
      return 1;
    }
    out.println("Done: " + status.message());
    out.flush();
    return 0;
  }
}
