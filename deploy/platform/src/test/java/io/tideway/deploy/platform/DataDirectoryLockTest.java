package io.tideway.deploy.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryLockTest {

  @TempDir Path dataDir;

  @Test
  void aPlatformRunsOnlyWhileItsLockIsHeldWhateverProcessItsFileNames() throws Exception {
    // given: the lock file of a platform that died, naming a process id now another's (this one's)
    Files.writeString(
        dataDir.resolve(DataDirectoryLock.FILE_NAME),
        String.valueOf(ProcessHandle.current().pid()));
    assertThat(LocalPlatform.running(dataDir)).isFalse();

    // when a platform takes the lock, then it runs until it lets go
    try (DataDirectoryLock lock = DataDirectoryLock.acquire(dataDir)) {
      assertThat(LocalPlatform.running(dataDir)).isTrue();
      // asking did not let go of it
      assertThat(LocalPlatform.running(dataDir)).isTrue();
      assertThat(lock).isNotNull();
    }
    assertThat(LocalPlatform.running(dataDir)).isFalse();
  }

  @Test
  void noLockFileIsNoPlatform() {
    assertThat(LocalPlatform.running(dataDir)).isFalse();
  }
}
