package io.tideway.loadtest.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Chromium, headless, one process per page, each with a profile of its own and bounded by
 * {@link #TIMEOUT_SECONDS}. The loadtest module's build installs it with {@link #INSTALL}.
 */
final class HeadlessChromium {

  static final Path EXECUTABLE = Path.of("/usr/bin/chromium");

  static final String INSTALL = "loadtest/src/test/chromium/install";

  static final long TIMEOUT_SECONDS = 60;

  private final Path work;

  /** Chromium writing its profiles and output under {@code work}. */
  HeadlessChromium(Path work) {
    this.work = work;
  }

  /** Fails, never skips, when Chromium is missing: the report's check would silently go. */
  static void requireInstalled() {
    assertThat(Files.isExecutable(EXECUTABLE))
        .as(
            "%s is missing: the loadtest build installs it before integration tests; run %s (or"
                + " apt-get install chromium) and try again",
            EXECUTABLE, INSTALL)
        .isTrue();
  }

  /** The page's DOM after its scripts ran. */
  String dumpDom(Path page) throws IOException, InterruptedException {
    Path out = run(List.of("--dump-dom", page.toUri().toString()));
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  /** A PNG of the page's first {@code width} × {@code height} pixels. */
  void screenshot(Path page, Path png, int width, int height)
      throws IOException, InterruptedException {
    run(
        List.of(
            "--hide-scrollbars",
            "--window-size=" + width + "," + height,
            "--screenshot=" + png.toAbsolutePath(),
            page.toUri().toString()));
    assertThat(png).as("Chromium's screenshot of %s", page).isRegularFile();
  }

  private Path run(List<String> arguments) throws IOException, InterruptedException {
    Path run = Files.createTempDirectory(work, "chromium-");
    List<String> command = new ArrayList<>();
    command.add(EXECUTABLE.toString());
    command.addAll(
        List.of(
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--user-data-dir=" + run.resolve("profile"),
            "--virtual-time-budget=5000"));
    command.addAll(arguments);
    Path out = run.resolve("stdout");
    Path err = run.resolve("stderr");
    Process chromium =
        new ProcessBuilder(command)
            .directory(run.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    try {
      if (!chromium.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        fail("Chromium did not finish within %d s: %s", TIMEOUT_SECONDS, tail(err));
      }
      assertThat(chromium.exitValue()).as("Chromium's exit code; it said: %s", tail(err)).isZero();
      return out;
    } finally {
      chromium.descendants().forEach(ProcessHandle::destroyForcibly);
      chromium.destroyForcibly();
      chromium.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static String tail(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    return text.length() > 4000 ? "…" + text.substring(text.length() - 4000) : text;
  }
}
