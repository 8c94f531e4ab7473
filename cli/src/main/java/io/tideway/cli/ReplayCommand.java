package io.tideway.cli;

import io.tideway.replay.ReplayProgress;
import java.time.Duration;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;

/** {@code tideway replay <tool>}: operator tools that process or write records again. */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Process the event log again: reset a deployment to reprocess its inputs from a point,"
          + " rebuild it with no downtime, copy a range of a topic to another, or send dead"
          + " letters back to the topics they failed on.",
      "Each tool checks its input before it changes anything, and takes --dry-run."
    },
    subcommands = {
      ReplayResetCommand.class,
      ReplayRebuildCommand.class,
      ReplayCopyCommand.class,
      ReplayDlqCommand.class
    })
final class ReplayCommand {

  /**
   * One progress line: records written so far, then offsets read of those to read, in all and per
   * partition. Offsets, not records, are what is known in advance: transaction markers and aborted
   * records take offsets too.
   */
  static String progressLine(String verb, ReplayProgress progress) {
    return "  "
        + verb
        + " "
        + progress.written()
        + "; offsets read "
        + progress.read()
        + "/"
        + progress.total()
        + " ("
        + progress.partitions().stream()
            .map(p -> "p" + p.partition() + " " + p.read() + "/" + p.total())
            .collect(Collectors.joining(", "))
        + ")";
  }

  static String seconds(Duration took) {
    return String.format(Locale.ROOT, "%.1f s", took.toMillis() / 1000.0);
  }
}
