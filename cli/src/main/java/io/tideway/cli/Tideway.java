package io.tideway.cli;

import io.tideway.deploy.platform.PlatformSetupException;
import io.tideway.replay.ReplayException;
import io.tideway.schemas.client.RegistryException;
import io.tideway.topology.runtime.RuntimeClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * The {@code tideway} command: runs the platform and operates it.
 *
 * <p>Options that name a place or a port take their defaults from {@code TIDEWAY_*} environment
 * variables, as each option's help says ({@code --data-dir} from {@code TIDEWAY_DATA_DIR}); a flag
 * on the command line wins. Exit codes: 0 success, 1 failure, 2 bad input (a usage error, or a
 * setting that cannot work).
 */
@Command(
    name = "tideway",
    mixinStandardHelpOptions = true,
    versionProvider = TidewayVersion.class,
    description = "Event-driven microservices on Apache Kafka: run the platform and operate it.",
    subcommands = {
      UpCommand.class,
      RegistryCommand.class,
      RelayCommand.class,
      RuntimeCommand.class,
      DeployCommand.class,
      DeploymentsCommand.class,
      UndeployCommand.class,
      QueryCommand.class,
      SagasCommand.class,
      HistoryCommand.class,
      ReplayCommand.class,
      DemoCommand.class,
      SchemasCommand.class,
      LoadtestCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Tideway {

  /** Exit code for bad input, as picocli uses for usage errors. */
  static final int BAD_INPUT = 2;

  private Tideway() {}

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code. */
  static int run(String... args) {
    CommandLogs.configure(DataDirOption.fromArgs(args, System.getenv()));
    return commandLine().execute(args);
  }

  /** The command line with its error reporting, not yet run. */
  static CommandLine commandLine() {
    return new CommandLine(new Tideway())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(new ErrorReporter());
  }

  /** One line on standard error naming the problem; the stack trace goes to the log file only. */
  private static final class ErrorReporter implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
      String command = cmd.getCommandSpec().qualifiedName();
      if (e instanceof PlatformSetupException || e instanceof ReplayException) {
        cmd.getErr().println(command + ": " + e.getMessage());
        return BAD_INPUT;
      }
      if (e instanceof RegistryException r) {
        cmd.getErr().println(command + ": " + r.getMessage() + " (error " + r.errorCode() + ")");
        return r.httpStatus() < 500 ? BAD_INPUT : 1;
      }
      if (e instanceof RuntimeClient.RuntimeError r) {
        cmd.getErr().println(command + ": " + r.getMessage());
        return r.status() >= 400 && r.status() < 500 ? BAD_INPUT : 1;
      }
      CommandLogs.log().error("{} failed", command, e);
      cmd.getErr().println(command + " failed: " + e + " (details in " + CommandLogs.file() + ")");
      return 1;
    }
  }
}
