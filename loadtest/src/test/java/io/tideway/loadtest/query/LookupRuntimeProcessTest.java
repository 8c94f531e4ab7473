package io.tideway.loadtest.query;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideway.loadtest.LoadTestException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LookupRuntimeProcessTest {

  @Test
  void aRuntimeThatCannotStartIsReportedWithItsExitCode(@TempDir Path dir) throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("state"), "a file where a directory goes");

    assertThatThrownBy(
            () ->
                LookupRuntimeProcess.start(
                    "a",
                    "127.0.0.1:9",
                    "http://127.0.0.1:9",
                    notADirectory.resolve("a"),
                    List.of("-Xmx64m")))
        .isInstanceOf(LoadTestException.class)
        .hasMessageStartingWith("Runtime a ended with exit code 1 before it served; see ");
  }
}
