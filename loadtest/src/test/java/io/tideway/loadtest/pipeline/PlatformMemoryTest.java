package io.tideway.loadtest.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

@EnabledOnOs(OS.LINUX)
class PlatformMemoryTest {

  @Test
  void measuresAProcessAndTheProcessesUnderIt() throws Exception {
    Process child = new ProcessBuilder("sleep", "30").start();
    try (PlatformMemory memory = new PlatformMemory(List.of(ProcessHandle.current().pid()))) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> memory.peak().rssByGroup().containsKey("sleep"));

      PlatformMemory.Peak peak = memory.peak();
      long jvm = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
      // At least the heap in use is resident; the proportional share of shared pages is less.
      assertThat(peak.rssBytes()).isGreaterThan(jvm);
      assertThat(peak.pssBytes()).isPositive().isLessThanOrEqualTo(peak.rssBytes());
      assertThat(peak.rssByGroup().get("sleep")).isPositive();
    } finally {
      child.destroy();
    }
  }
}
