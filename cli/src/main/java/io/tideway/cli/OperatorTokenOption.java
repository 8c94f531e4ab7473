package io.tideway.cli;

import io.tideway.deploy.platform.PlatformSetupException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --operator-token-file}: the runtime's operator token, which deploys, undeploys, resets and
 * rebuilds carry, kept in a file (as a mounted secret is) rather than on the command line, where
 * every user of the machine could read it.
 */
final class OperatorTokenOption {

  @Option(
      names = "--operator-token-file",
      paramLabel = "FILE",
      defaultValue = "${env:TIDEWAY_OPERATOR_TOKEN_FILE}",
      description =
          "A file holding the runtime's operator token (env TIDEWAY_OPERATOR_TOKEN_FILE); a"
              + " runtime started with one refuses deploys, undeploys, resets and rebuilds"
              + " without it.")
  private Path file;

  /** The token, its file's text without surrounding white space; null without the option. */
  String token() {
    if (file == null) {
      return null;
    }
    String token;
    try {
      token = Files.readString(file).strip();
    } catch (NoSuchFileException e) {
      throw new PlatformSetupException("No operator token file " + file);
    } catch (IOException e) {
      throw new PlatformSetupException("Cannot read the operator token file " + file + ": " + e);
    }
    if (token.isEmpty()) {
      throw new PlatformSetupException("The operator token file " + file + " is empty");
    }
    return token;
  }
}
