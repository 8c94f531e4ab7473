package io.tideway.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** The {@code tideway} command line as a test runs it: in this JVM, its output captured. */
final class CapturedCommandLine {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  /** Runs one command and returns its exit code; its output adds to what was captured. */
  int run(String... args) {
    CommandLine cli = Tideway.commandLine();
    cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    return cli.execute(args);
  }

  /** What the commands printed on standard output. */
  String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  /** What the commands printed on standard error. */
  String err() {
    return err.toString(StandardCharsets.UTF_8);
  }
}
