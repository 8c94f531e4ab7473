package io.tideway.deploy.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideway.deploy.embedded.LoopbackPorts;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalPlatformIT {

  @TempDir Path dir;

  @Test
  void aStopDuringStartUpEndsItAtItsNextStepAndLeavesNothingRunning() throws Exception {
    int postgresPort = LoopbackPorts.pickFree();
    int kafkaPort = LoopbackPorts.pickFree();
    List<String> steps = new CopyOnWriteArrayList<>();
    LocalPlatform[] platform = new LocalPlatform[1];
    Thread[] signal = new Thread[1];
    platform[0] =
        new LocalPlatform(
            new LocalPlatform.Settings(
                dir.resolve("data"),
                false,
                kafkaPort,
                postgresPort,
                LoopbackPorts.pickFree(),
                -1,
                LoopbackPorts.pickFree(),
                null),
            line -> {
              steps.add(line);
              if (line.startsWith("Starting Kafka")) {
                // As Ctrl-C does: the stop comes from another thread while start-up goes on.
                signal[0] =
                    new Thread(
                        () -> {
                          try {
                            platform[0].close();
                          } catch (Exception e) {
                            throw new IllegalStateException(e);
                          }
                        },
                        "ctrl-c");
                signal[0].start();
              }
            });

    assertThatThrownBy(platform[0]::start)
        .isInstanceOf(PlatformSetupException.class)
        .hasMessage("Stopped during start-up");
    signal[0].join();

    assertThat(steps).noneMatch(line -> line.startsWith("Starting the schema registry"));
    assertThat(LoopbackPorts.isFree(postgresPort)).isTrue();
    assertThat(LoopbackPorts.isFree(kafkaPort)).isTrue();
  }
}
