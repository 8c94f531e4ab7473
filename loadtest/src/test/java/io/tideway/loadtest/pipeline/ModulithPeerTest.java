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
