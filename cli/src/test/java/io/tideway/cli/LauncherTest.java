package io.tideway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code tideway} launcher script of the checkout, run in a copy of a checkout whose Maven
 * wrapper and Java are stand-ins: the wrapper only records that it built, and the Java runs the
 * command {@code hold} until told to stop.
 */
class LauncherTest {

  @TempDir Path checkout;

  private Path source;

  @BeforeEach
  void checkout() throws IOException {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/flock")) || Files.isExecutable(Path.of("/bin/flock")),
        "the launcher locks with flock");
    Files.copy(Path.of("..", "tideway"), checkout.resolve("tideway"));
    script(
        checkout.resolve("mvnw"),
        "echo built >> builds",
        "if [[ -f edit-while-building ]]; then",
        "  rm edit-while-building; sleep 0.05; touch src/Order.java",
        "fi",
        "mkdir -p cli/target/lib cli/target/reference",
        "echo jar > cli/target/tideway-cli.jar");
    script(
        checkout.resolve("jdk/bin/java"),
        "if [[ $1 == -version ]]; then echo 'openjdk version \"17.0.1\"' >&2; exit 0; fi",
        "if [[ ${*: -1} == hold ]]; then",
        "  touch \"$ROOT/held\"",
        "  while [[ ! -f \"$ROOT/release\" ]]; do sleep 0.05; done",
        "fi");
    source = checkout.resolve("src/Order.java");
    Files.createDirectories(source.getParent());
    Files.writeString(source, "class Order {}");
  }

  @Test
  void aChangedSourceIsNotRebuiltUnderACommandStillRunningFromTheLastBuild() throws Exception {
    assertThat(run("version").exitValue()).isZero();
    assertThat(builds()).isEqualTo(1);

    Process platform = launcher("hold").start();
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(checkout.resolve("held")));
      changeTheSource();

      Process refused = run("version");

      assertThat(refused.exitValue()).isZero();
      assertThat(new String(refused.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
          .contains("running the last build, not rebuilding under it");
      assertThat(builds()).isEqualTo(1);
    } finally {
      Files.createFile(checkout.resolve("release"));
      assertThat(platform.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }

    assertThat(run("version").exitValue()).isZero();
    assertThat(builds()).as("built once nothing runs from the last build").isEqualTo(2);
  }

  @Test
  void aSourceEditedWhileTheBuildRunsIsBuiltNextTime() throws Exception {
    Files.createFile(checkout.resolve("edit-while-building"));
    assertThat(run("version").exitValue()).isZero();
    assertThat(builds()).isEqualTo(1);

    assertThat(run("version").exitValue()).isZero();
    assertThat(builds()).as("the edit came after the build had started").isEqualTo(2);
    assertThat(run("version").exitValue()).isZero();
    assertThat(builds()).as("and is in the second build").isEqualTo(2);
  }

  private void changeTheSource() throws IOException {
    Files.setLastModifiedTime(source, FileTime.from(Instant.now().plusSeconds(60)));
  }

  private Process run(String command) throws Exception {
    Process process = launcher(command).start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return process;
  }

  private ProcessBuilder launcher(String command) {
    ProcessBuilder builder =
        new ProcessBuilder("bash", checkout.resolve("tideway").toString(), command)
            .directory(checkout.toFile())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put("JAVA_HOME", checkout.resolve("jdk").toString());
    builder.environment().put("ROOT", checkout.toString());
    return builder;
  }

  private long builds() throws IOException {
    Path builds = checkout.resolve("builds");
    return Files.exists(builds) ? Files.readAllLines(builds).size() : 0;
  }

  private static void script(Path path, String... lines) throws IOException {
    Files.createDirectories(path.getParent());
    Files.writeString(path, "#!/usr/bin/env bash\n" + String.join("\n", List.of(lines)) + "\n");
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
