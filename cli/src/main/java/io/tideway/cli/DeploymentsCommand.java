package io.tideway.cli;

import io.tideway.topology.runtime.DeploymentStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tideway deployments}: what a runtime runs. */
@Command(
    name = "deployments",
    mixinStandardHelpOptions = true,
    description =
        "List the deployments of a topology runtime: name, application id, state,"
            + " instances and input lag.")
final class DeploymentsCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;
  @Mixin private RuntimeOption runtime;

  @Override
  public Integer call() throws IOException {
    List<DeploymentStatus> deployments = runtime.client().deployments();
    PrintWriter out = spec.commandLine().getOut();
    String format = "%-24s %-32s %-12s %9s %10s  %s%n";
    out.printf(format, "NAME", "APPLICATION ID", "STATE", "INSTANCES", "LAG", "JAR");
    for (DeploymentStatus d : deployments) {
      out.printf(format, d.name(), d.applicationId(), d.state(), d.instances(), d.lag(), d.jar());
    }
    out.flush();
    return 0;
  }
}
