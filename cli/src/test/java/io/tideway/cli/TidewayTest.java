package io.tideway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TidewayTest {

  @Test
  void shouldListItsCommandsInHelp() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CommandLine cli = Tideway.commandLine();
    cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));

    int code = cli.execute("--help");

    assertThat(code).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: tideway").contains("  up ");
  }

  @Test
  void shouldAnswerHelpInEveryCommand() {
    List<String> failed = new ArrayList<>();
    helpOfEach(Tideway.commandLine(), new ArrayList<>(), failed);
    assertThat(failed).as("commands that do not answer --help").isEmpty();
  }

  private static void helpOfEach(CommandLine command, List<String> path, List<String> failed) {
    for (Map.Entry<String, CommandLine> sub : command.getSubcommands().entrySet()) {
      List<String> args = new ArrayList<>(path);
      args.add(sub.getKey());
      CommandLine cli = Tideway.commandLine();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
      cli.setErr(new PrintWriter(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      List<String> help = new ArrayList<>(args);
      help.add("--help");
      if (cli.execute(help.toArray(String[]::new)) != 0
          || !out.toString(StandardCharsets.UTF_8)
              .contains("Usage: tideway " + String.join(" ", args))) {
        failed.add(String.join(" ", args));
      }
      helpOfEach(sub.getValue(), args, failed);
    }
  }

  @Test
  void shouldAnswerAnUnknownCommandWithBadInput() {
    CommandLine cli = Tideway.commandLine();
    cli.setErr(new PrintWriter(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

    assertThat(cli.execute("sail-away")).isEqualTo(Tideway.BAD_INPUT);
  }

  @Test
  void shouldAnswerAPortOrAUrlThatCannotBeWithBadInput() {
    CapturedCommandLine cli = new CapturedCommandLine();

    assertThat(cli.run("registry", "--bootstrap-server", "127.0.0.1:9092", "--port", "70000"))
        .isEqualTo(Tideway.BAD_INPUT);
    assertThat(cli.run("relay", "--http-port", "-1")).isEqualTo(Tideway.BAD_INPUT);
    assertThat(cli.run("deployments", "--query-url", "localhost:8084"))
        .isEqualTo(Tideway.BAD_INPUT);
    assertThat(
            cli.run("schemas", "list", "--registry-url", "http://localhost:8081,registry.internal"))
        .isEqualTo(Tideway.BAD_INPUT);

    assertThat(cli.err())
        .contains("a port is 0 to 65535, not 70000")
        .contains("a port is 0 to 65535, not -1")
        .contains("'localhost:8084' is not an HTTP URL with a host")
        .contains("'registry.internal' is not an HTTP URL with a host")
        .doesNotContain("Exception");
  }

  @Test
  void shouldLogToTheTemporaryDirectoryWhenTheDataDirectoryCannotHoldLogs(@TempDir Path dir)
      throws Exception {
    Path file = Files.writeString(dir.resolve("plain-file"), "x");

    assertThat(CommandLogs.directory(dir.resolve("platform")))
        .isEqualTo(dir.resolve("platform").resolve("logs"));
    assertThat(CommandLogs.directory(file.resolve("platform")))
        .isEqualTo(
            Path.of(
                    System.getProperty("java.io.tmpdir"),
                    "tideway-logs-" + System.getProperty("user.name"))
                .toAbsolutePath());
  }

  @Test
  void shouldFindTheDataDirectoryBeforeParsingForTheLogs() {
    assertThat(DataDirOption.fromArgs(new String[] {"up", "--data-dir", "/srv/tw"}, Map.of()))
        .isEqualTo(Path.of("/srv/tw"));
    assertThat(DataDirOption.fromArgs(new String[] {"up", "--data-dir=/srv/tw2"}, Map.of()))
        .isEqualTo(Path.of("/srv/tw2"));
    assertThat(DataDirOption.fromArgs(new String[] {"up"}, Map.of(DataDirOption.ENV, "/env/dir")))
        .isEqualTo(Path.of("/env/dir"));
    assertThat(DataDirOption.fromArgs(new String[] {"up"}, Map.of()))
        .isEqualTo(Path.of(DataDirOption.DEFAULT));
  }
}
