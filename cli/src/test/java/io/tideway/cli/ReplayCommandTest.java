package io.tideway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayCommandTest {

  // Nothing listens there: every refusal below comes before the tools connect.
  private static final String NO_BROKER = "127.0.0.1:1";

  private final CapturedCommandLine cli = new CapturedCommandLine();

  // Nor there: a reset's input is refused before it asks the runtime.
  private static final String NO_RUNTIME = "http://127.0.0.1:1";

  @Test
  void shouldListItsToolsInHelp() {
    assertThat(cli.run("replay", "--help")).isZero();
    assertThat(cli.out())
        .contains("  reset ")
        .contains("  rebuild ")
        .contains("  copy ")
        .contains("  dlq ");
  }

  @Test
  void shouldRefuseAResetWithoutOneTargetOrWithAMalformedOne() {
    assertThat(reset()).isEqualTo(Tideway.BAD_INPUT);
    assertThat(reset("--to-earliest", "--by-duration", "PT1H")).isEqualTo(Tideway.BAD_INPUT);
    assertThat(reset("--by-duration", "soon")).isEqualTo(Tideway.BAD_INPUT);
    assertThat(reset("--to-datetime", "yesterday")).isEqualTo(Tideway.BAD_INPUT);
    assertThat(reset("--by-duration", "P999999999D")).isEqualTo(Tideway.BAD_INPUT);

    assertThat(cli.err())
        .contains("Missing required argument")
        .contains("mutually exclusive")
        .contains("--by-duration reaches back before 1970: P999999999D")
        .contains("--by-duration must be an ISO-8601 duration such as PT1H or P2D, not soon")
        .contains("Not a time for --to-datetime: 'yesterday'");
  }

  /** {@code tideway replay reset projections} with a target, against no runtime. */
  private int reset(String... target) {
    List<String> args = new ArrayList<>(List.of("replay", "reset", "projections"));
    args.addAll(List.of(target));
    args.addAll(List.of("--query-url", NO_RUNTIME));
    return cli.run(args.toArray(String[]::new));
  }

  @Test
  void shouldRefuseAMalformedSourceWithOneLineAndBadInput() {
    int code =
        cli.run(
            "replay", "copy", "--from", "orders:x@1", "--to", "b", "--bootstrap-server", NO_BROKER);

    assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    assertThat(cli.err())
        .isEqualTo("tideway replay copy: Not a partition number in 'orders:x@1': 'x'\n");
  }

  @Test
  void shouldRefuseCopyingATopicOntoItself() {
    int code =
        cli.run(
            "replay",
            "copy",
            "--from",
            "orders",
            "--to",
            "orders",
            "--bootstrap-servers",
            NO_BROKER);

    assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    assertThat(cli.err()).startsWith("tideway replay copy: Source and target are the same topic");
  }

  @Test
  void shouldRefuseAnUnknownFilterOrAMalformedTime() {
    assertThat(
            cli.run(
                "replay", "dlq", "app.dlq", "--filter", "key=1", "--bootstrap-server", NO_BROKER))
        .isEqualTo(Tideway.BAD_INPUT);
    assertThat(
            cli.run(
                "replay",
                "dlq",
                "app.dlq",
                "--since",
                "yesterday",
                "--bootstrap-server",
                NO_BROKER))
        .isEqualTo(Tideway.BAD_INPUT);
    assertThat(cli.err().lines())
        .containsExactly(
            "tideway replay dlq: Unknown filter 'key=1': write exception=<class name> or"
                + " topic=<original topic>",
            "tideway replay dlq: Not a time for --since: 'yesterday' (write ISO-8601 with an"
                + " offset such as 2026-12-01T10:00:00Z, or epoch milliseconds)");
  }
}
