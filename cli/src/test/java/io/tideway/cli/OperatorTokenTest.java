package io.tideway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator token on the command line: checked before anything is reached. */
class OperatorTokenTest {

  @TempDir Path dir;

  private final CapturedCommandLine cli = new CapturedCommandLine();

  @Test
  void refusesARuntimeOtherMachinesReachWithoutAToken() {
    int code =
        cli.run(
            "runtime",
            "--host",
            "0.0.0.0",
            "--bootstrap-server",
            "127.0.0.1:1",
            "--registry-url",
            "http://127.0.0.1:1");

    assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    assertThat(cli.err())
        .contains("A runtime on 0.0.0.0 would let anyone who reaches it deploy a jar")
        .contains("--operator-token-file");
  }

  @Test
  void refusesATokenFileThatIsMissingOrEmpty() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty"), " \n");

    for (Path file : new Path[] {dir.resolve("missing"), empty}) {
      int code =
          cli.run(
              "undeploy",
              "anything",
              "--query-url",
              "http://127.0.0.1:1",
              "--operator-token-file",
              file.toString());
      assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    }
    assertThat(cli.err())
        .contains("No operator token file " + dir.resolve("missing"))
        .contains("The operator token file " + empty + " is empty");
  }
}
