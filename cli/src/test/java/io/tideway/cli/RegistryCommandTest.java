package io.tideway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tideway registry}'s users: checked before anything starts. */
class RegistryCommandTest {

  @TempDir Path dir;

  private final CapturedCommandLine cli = new CapturedCommandLine();

  @Test
  void refusesARegistryOtherMachinesReachWithoutUsers() {
    int code =
        cli.run(
            "registry", "--host", "0.0.0.0", "--port", "0", "--bootstrap-server", "127.0.0.1:1");

    assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    assertThat(cli.err())
        .contains("A schema registry on 0.0.0.0 would let anyone who reaches it delete")
        .contains("--users-file");
  }

  @Test
  void namesTheUsersFileAndTheLineItCannotRead() throws Exception {
    Path users =
        Files.writeString(dir.resolve("users"), "ci: secret, writer\nops: secret, admin\n");

    for (Path file : new Path[] {dir.resolve("missing"), users}) {
      int code =
          cli.run(
              "registry",
              "--port",
              "0",
              "--bootstrap-server",
              "127.0.0.1:1",
              "--users-file",
              file.toString());
      assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    }
    assertThat(cli.err())
        .contains("No users file " + dir.resolve("missing"))
        .contains(users + ", line 2: unknown role 'admin': reader or writer");
  }
}
