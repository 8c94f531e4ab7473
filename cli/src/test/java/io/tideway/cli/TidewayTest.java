package io.tideway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
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
  void shouldAnswerAnUnknownCommandWithBadInput() {
    CommandLine cli = Tideway.commandLine();
    cli.setErr(new PrintWriter(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

    assertThat(cli.execute("sail-away")).isEqualTo(Tideway.BAD_INPUT);
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
