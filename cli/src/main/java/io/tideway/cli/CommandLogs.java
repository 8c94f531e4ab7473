package io.tideway.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a command's log goes: {@code logs/tideway.log} in the data directory, one JSON object per
 * line. The terminal shows only the command's own progress and warnings.
 */
final class CommandLogs {

  private static final String PROPERTY = "tideway.log.dir";

  private CommandLogs() {}

  /** Points the log file into the data directory; call before anything logs. */
  static void configure(Path dataDir) {
    if (System.getProperty(PROPERTY) == null) {
      System.setProperty(PROPERTY, directory(dataDir).toString());
    }
  }

  /**
   * The data directory's {@code logs}, or one in the temporary directory where that cannot be made
   * (a data directory under a file, or in a directory this user may not write): the command reports
   * that in one line, while Logback would print its own failure, a stack trace with it, first.
   */
  static Path directory(Path dataDir) {
    Path logs = dataDir.resolve("logs").toAbsolutePath().normalize();
    if (canHold(logs)) {
      return logs;
    }
    // One per user: another user's would not be writable.
    Path temporary =
        Path.of(
                System.getProperty("java.io.tmpdir"),
                "tideway-logs-" + System.getProperty("user.name"))
            .toAbsolutePath();
    return canHold(temporary) ? temporary : logs;
  }

  /** Whether a directory exists and is writable, or can be made where it would be. */
  private static boolean canHold(Path dir) {
    Path existing = dir;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    return existing != null && Files.isDirectory(existing) && Files.isWritable(existing);
  }

  static Path file() {
    return Path.of(System.getProperty(PROPERTY, "logs"), "tideway.log");
  }

  /**
   * The log for failures a command already reported on the terminal in one line: outside {@code
   * io.tideway}, so the stack trace goes to the file only.
   */
  static Logger log() {
    return LoggerFactory.getLogger("tideway.command");
  }
}
