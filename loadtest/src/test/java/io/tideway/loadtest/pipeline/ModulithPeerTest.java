package io.tideway.loadtest.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModulithPeerTest {

  @Test
  void replacesOnlyTheDatabaseOfAJdbcUrl() {
    assertThat(
            ModulithPeer.databaseUrl(
                "jdbc:postgresql://127.0.0.1:5433/tideway?sslmode=disable", "modulith_peer"))
        .isEqualTo("jdbc:postgresql://127.0.0.1:5433/modulith_peer?sslmode=disable");
    assertThat(ModulithPeer.databaseUrl("jdbc:postgresql://db:5432/", "modulith_peer"))
        .isEqualTo("jdbc:postgresql://db:5432/modulith_peer");
  }

  @Test
  void shouldFailOnAUrlThatIsNotPostgresql() {
    assertThatThrownBy(() -> ModulithPeer.databaseUrl("jdbc:h2:mem:x", "modulith_peer"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jdbc:h2:mem:x");
  }

  @Test
  void shouldRefuseADatabaseNameThatIsNotAPlainIdentifier() {
    assertThatThrownBy(
            () ->
                ModulithPeer.ensureDatabase(
                    "jdbc:postgresql://127.0.0.1:1/x", "postgres", "", "peer; DROP"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void findsTheExecutableJarAndNotThePlainOne(@TempDir Path dir) throws IOException {
    Files.createFile(dir.resolve("tideway-loadtest-modulith-peer-0.1.0-SNAPSHOT.jar"));
    Path exec =
        Files.createFile(dir.resolve("tideway-loadtest-modulith-peer-0.1.0-SNAPSHOT-exec.jar"));

    assertThat(ModulithPeer.jarIn(dir)).isEqualTo(exec);
  }

  @Test
  void shouldNameTheDirectoryWhenTheJarIsMissing(@TempDir Path dir) {
    assertThatThrownBy(() -> ModulithPeer.jarIn(dir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("-exec.jar");
    assertThatThrownBy(() -> ModulithPeer.jarIn(dir.resolve("absent")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("absent");
  }
}
