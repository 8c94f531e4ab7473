package io.tideway.cli;

import io.tideway.deploy.PlatformEndpoints;
import io.tideway.deploy.platform.LocalPlatform;
import io.tideway.deploy.platform.PlatformSetupException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** The {@code --data-dir} option, shared by every command that finds the local platform. */
final class DataDirOption {

  static final String DEFAULT = ".tideway";
  static final String ENV = "TIDEWAY_DATA_DIR";

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      defaultValue = "${env:" + ENV + ":-" + DEFAULT + "}",
      description =
          "Data directory of the local platform (default: ${DEFAULT-VALUE}; env " + ENV + ").")
  private Path dataDir;

  Path path() {
    return dataDir.toAbsolutePath().normalize();
  }

  /**
   * The endpoints of the platform running on this data directory.
   *
   * @throws PlatformSetupException when none runs there, naming the flags that point elsewhere: one
   *     line, not the command's usage, as nothing was typed wrong
   */
  PlatformEndpoints endpoints(String otherwise) {
    try {
      return PlatformEndpoints.readFrom(path())
          .filter(found -> LocalPlatform.running(path()))
          .orElseThrow(
              () ->
                  new PlatformSetupException(
                      "No platform is running with data directory "
                          + path()
                          + ": start one with 'tideway up', or "
                          + otherwise));
    } catch (IOException e) {
      throw new PlatformSetupException(
          "Cannot read " + path().resolve(PlatformEndpoints.FILE_NAME) + ": " + e.getMessage());
    }
  }

  /**
   * The data directory named on a command line before it is parsed, so that logging can be set up
   * before anything logs.
   */
  static Path fromArgs(String[] args, Map<String, String> env) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--data-dir") && i + 1 < args.length) {
        return Path.of(args[i + 1]);
      }
      if (args[i].startsWith("--data-dir=")) {
        return Path.of(args[i].substring("--data-dir=".length()));
      }
    }
    return Path.of(env.getOrDefault(ENV, DEFAULT));
  }
}
