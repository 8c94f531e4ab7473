package io.tideway.deploy.platform;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An operating-system lock on a data directory, held for as long as a platform runs on it. The
 * kernel releases it when the holder dies, even by {@code kill -9}, so a stale lock file never
 * blocks a restart.
 */
final class DataDirectoryLock implements AutoCloseable {

  static final String FILE_NAME = "tideway.lock";

  /**
   * The lock files this process holds. Probing one of them with a channel of its own would release
   * the lock when that channel closed: on POSIX systems closing any descriptor of a file drops the
   * process's locks on it.
   */
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;

  private DataDirectoryLock(Path file, FileChannel channel, FileLock lock) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock, recording this process id in the lock file.
   *
   * @throws PlatformSetupException when another live process holds it
   */
  static DataDirectoryLock acquire(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE_NAME);
    if (HELD.contains(file.toAbsolutePath().normalize())) {
      // Refused before any descriptor of the file is opened, whose closing would drop the lock.
      throw inUse(dataDir, String.valueOf(ProcessHandle.current().pid()));
    }
    FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      String holder = Files.readString(file, StandardCharsets.UTF_8).trim();
      channel.close();
      throw inUse(dataDir, holder);
    }
    channel.truncate(0);
    channel.write(
        ByteBuffer.wrap(
            String.valueOf(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)));
    channel.force(false);
    HELD.add(file.toAbsolutePath().normalize());
    return new DataDirectoryLock(file, channel, lock);
  }

  /**
   * Whether a process holds the lock now. Asked with a shared lock taken and let go at once: a
   * process id alone may, after a crash and a reboot, belong to another process.
   */
  static boolean held(Path dataDir) {
    Path file = dataDir.resolve(FILE_NAME);
    if (HELD.contains(file.toAbsolutePath().normalize())) {
      return true;
    }
    if (!Files.exists(file)) {
      return false;
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      FileLock probe = channel.tryLock(0, Long.MAX_VALUE, true);
      if (probe == null) {
        return true;
      }
      probe.release();
      return false;
    } catch (OverlappingFileLockException e) {
      return true; // this process holds it, through a lock taken otherwise
    } catch (IOException e) {
      return false;
    }
  }

  private static PlatformSetupException inUse(Path dataDir, String holder) {
    return new PlatformSetupException(
        "Data directory "
            + dataDir
            + " is in use by a running platform"
            + (holder.isEmpty() ? "" : " (pid " + holder + ")")
            + ": stop it first, or choose another with --data-dir");
  }

  /** The process id the lock file names: of the platform running there, or of the last one. */
  static Optional<Long> holder(Path dataDir) {
    if (HELD.contains(dataDir.resolve(FILE_NAME).toAbsolutePath().normalize())) {
      return Optional.of(ProcessHandle.current().pid()); // not read: closing would drop the lock
    }
    try {
      return Optional.of(
          Long.parseLong(
              Files.readString(dataDir.resolve(FILE_NAME), StandardCharsets.UTF_8).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() throws IOException {
    HELD.remove(file.toAbsolutePath().normalize());
    lock.release();
    channel.close();
  }
}
