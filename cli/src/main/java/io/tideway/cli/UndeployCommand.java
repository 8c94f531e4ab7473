package io.tideway.cli;

import io.tideway.topology.runtime.DeploymentStatus;
import io.tideway.topology.runtime.RuntimeClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tideway undeploy <name>}: stops a deployment. */
@Command(
    name = "undeploy",
    mixinStandardHelpOptions = true,
    description =
        "Stop a deployment: it commits, closes and leaves its group. Its state and topics stay, so"
            + " deploying it again resumes where it stopped.")
final class UndeployCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;
  @Mixin private RuntimeOption runtime;
  @Mixin private OperatorTokenOption operator;

  @Parameters(index = "0", paramLabel = "NAME", description = "The deployment's name.")
  private String name;

  @Option(names = "--dry-run", description = "Show what would stop, and stop nothing.")
  private boolean dryRun;

  @Override
  public Integer call() throws IOException {
    RuntimeClient client = runtime.client(operator);
    DeploymentStatus status = dryRun ? client.deployment(name) : client.undeploy(name);
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "%s %s (application id %s, was %s)%n",
        dryRun ? "Would undeploy" : "Undeployed",
        status.name(),
        status.applicationId(),
        status.state());
    out.flush();
    return 0;
  }
}
