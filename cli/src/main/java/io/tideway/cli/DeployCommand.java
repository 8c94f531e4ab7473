package io.tideway.cli;

import io.tideway.deploy.platform.PlatformSetupException;
import io.tideway.topology.runtime.DeploymentSettings;
import io.tideway.topology.runtime.DeploymentStatus;
import io.tideway.topology.runtime.RuntimeClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tideway deploy <jar>}: runs a topology jar's topologies on a runtime. */
@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    description = {
      "Deploy the topologies of a jar (TopologyProvider implementations listed in"
          + " META-INF/services/io.tideway.topology.TopologyProvider) to a topology runtime, by"
          + " default the local platform's.",
      "Each runs under exactly_once_v2 with its own state directory; records that fail go to"
          + " <application id>.dlq. All the jar's topologies are checked before any starts.",
      "A topology whose name already runs is upgraded in place. A version that drops or renames"
          + " a store or repartition topic of the one deployed before is refused, naming what"
          + " changed, unless --reset."
    })
final class DeployCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;
  @Mixin private RuntimeOption runtime;
  @Mixin private OperatorTokenOption operator;

  @Parameters(index = "0", paramLabel = "JAR", description = "The topology jar.")
  private Path jar;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "The deployment's settings (Java properties): Kafka Streams settings such as"
              + " num.standby.replicas, serde settings, tideway.topic.<name>=<topic> renames, and"
              + " the topology's own.")
  private Path config;

  @Option(
      names = "--instances",
      paramLabel = "N",
      defaultValue = "1",
      description = "Stream threads per topology on this runtime (default: ${DEFAULT-VALUE}).")
  private int instances;

  @Option(
      names = "--reset",
      description =
          "Start from scratch: delete the applications' committed offsets, internal topics and"
              + " local state, and reprocess their inputs. Needed when a new version drops or"
              + " renames a store or repartition topic of the one deployed before.")
  private boolean reset;

  @Option(
      names = "--dry-run",
      description =
          "Check the jar (load, build, naming, conflicts, changes against the version deployed"
              + " before) and start nothing.")
  private boolean dryRun;

  @Override
  public Integer call() throws IOException {
    Map<String, String> settings = Map.of();
    if (config != null) {
      try {
        settings = DeploymentSettings.parse(Files.readString(config));
      } catch (NoSuchFileException e) {
        throw new PlatformSetupException("No config file " + config);
      } catch (IOException e) {
        throw new PlatformSetupException("Cannot read config file " + config + ": " + e);
      }
    }
    if (!Files.isRegularFile(jar)) {
      throw new PlatformSetupException("No jar " + jar);
    }
    RuntimeClient client = runtime.client(operator);
    List<DeploymentStatus> deployed = client.deploy(jar, settings, instances, dryRun, reset);
    PrintWriter out = spec.commandLine().getOut();
    for (DeploymentStatus status : deployed) {
      out.printf(
          "%s %s (application id %s, %d instance(s), stores %s)%n",
          dryRun ? "Would deploy" : "Deployed",
          status.name(),
          status.applicationId(),
          status.instances(),
          status.stores());
      status.added().forEach(change -> out.println("  + " + change));
      status.removed().forEach(change -> out.println("  - " + change));
    }
    out.flush();
    return 0;
  }
}
