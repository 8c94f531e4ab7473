package io.tideway.deploy.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
  void askingWhoHoldsTheLockOrTakingItAgainInTheSameProcessKeepsItHeld() throws Exception {
    try (DataDirectoryLock lock = DataDirectoryLock.acquire(dataDir)) {
      assertThat(DataDirectoryLock.holder(dataDir)).contains(ProcessHandle.current().pid());
      assertThatThrownBy(() -> DataDirectoryLock.acquire(dataDir))
          .isInstanceOf(PlatformSetupException.class)
          .hasMessageContaining("is in use by a running platform");

      // What other processes see: the kernel's table of locks still has it.
      long inode =
          (Long) Files.getAttribute(dataDir.resolve(DataDirectoryLock.FILE_NAME), "unix:ino");
      assertThat(Files.readAllLines(Path.of("/proc/locks")))
          .anyMatch(line -> line.contains("POSIX") && line.matches(".*:" + inode + " .*"));
    }
  }

  @Test
  void noLockFileIsNoPlatform() {
    assertThat(LocalPlatform.running(dataDir)).isFalse();
  }
}
