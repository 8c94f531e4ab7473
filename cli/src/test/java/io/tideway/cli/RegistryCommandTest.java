package io.tideway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.schemas.registry.RegistryUsers;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
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
  void hashesAPasswordReadFromStandardInputForTheUsersFile() throws Exception {
    InputStream stdin = System.in;
    try {
      System.setIn(new ByteArrayInputStream("s3cret, really\n".getBytes(StandardCharsets.UTF_8)));
      assertThat(cli.run("registry", "hash-password", "--iterations", "20000")).isZero();
      System.setIn(new ByteArrayInputStream(new byte[0]));
      assertThat(cli.run("registry", "hash-password")).isEqualTo(Tideway.BAD_INPUT);
    } finally {
      System.setIn(stdin);
    }

    String hashed = cli.out().strip();
    assertThat(hashed).startsWith("PBKDF2-SHA256:20000:").doesNotContain("s3cret");
    RegistryUsers users = RegistryUsers.parse("ci: " + hashed + ", writer", "users");
    assertThat(users.role(basic("ci:s3cret, really"))).isEqualTo(RegistryUsers.Role.WRITER);
    assertThat(users.role(basic("ci:s3cret"))).isNull();
    assertThat(cli.err()).contains("No password given");
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

  private static String basic(String credentials) {
    return "Basic "
        + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
  }
}
