package io.tideway.cli;

import io.tideway.replay.CopyPlan;
import io.tideway.replay.CopySummary;
import io.tideway.replay.LogPosition;
import io.tideway.replay.PartitionRange;
import io.tideway.replay.RecordCopy;
import io.tideway.replay.SourceSpec;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tideway replay copy --from SPEC --to TOPIC [--until X] [--dry-run]}. */
@Command(
    name = "copy",
    mixinStandardHelpOptions = true,
    description = {
      "Copy a range of records from one topic to another, keeping keys, values, headers and"
          + " timestamps; only committed records (aborted transactions are left out).",
      "Records keep their partition when both topics have as many partitions; otherwise the"
          + " producer places them by key. Without --until the copy stops at the end offsets seen"
          + " when it starts.",
      "Exactly once: the copy writes in transactions that record how far it read. Stopped or"
          + " killed half way, the same command goes on from there; run again once done, it copies"
          + " only what the source got since (--again copies it all again). Read the target with"
          + " isolation.level=read_committed."
    })
final class ReplayCopyCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;
  @Mixin private KafkaOption kafka;
  @Mixin private KafkaClientConfigOption clientConfig;

  @Option(
      names = "--from",
      required = true,
      paramLabel = "SPEC",
      description =
          "TOPIC (every partition from the earliest offset), TOPIC:P[@OFFSET] (one partition), or"
              + " TOPIC@TIME (every partition from the first record at or after TIME: ISO-8601"
              + " such as 2026-12-01T10:00:00Z, or epoch milliseconds).")
  private String from;

  @Option(names = "--to", required = true, paramLabel = "TOPIC", description = "The target topic.")
  private String to;

  @Option(
      names = "--until",
      paramLabel = "OFFSET|TIME",
      description =
          "Stop before this offset (one partition only), or leave out records with a timestamp at"
              + " or after this time (ISO-8601, or @EPOCH_MILLIS).")
  private String until;

  @Option(
      names = "--again",
      description =
          "Copy the whole range even where an earlier run of the same copy copied it (by default"
              + " a copy goes on where the last run of it stopped, so each record is copied once).")
  private boolean again;

  @Option(names = "--dry-run", description = "Print the plan; copy nothing.")
  private boolean dryRun;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    SourceSpec source = SourceSpec.parse(from);
    Optional<LogPosition> bound = Optional.ofNullable(until).map(LogPosition::parseBound);
    try (RecordCopy copy = new RecordCopy(kafka.settings(clientConfig))) {
      CopyPlan plan = copy.plan(source, to, bound, again);
      print(out, plan);
      if (dryRun) {
        out.println("Dry run: nothing copied.");
        out.flush();
        return 0;
      }
      CopySummary summary =
          copy.copy(
              plan,
              progress -> {
                if (!progress.finished()) {
                  out.println(ReplayCommand.progressLine("copied", progress));
                  out.flush();
                }
              });
      out.println(
          "Copied "
              + summary.copied()
              + " record(s) from "
              + plan.source()
              + " to "
              + plan.target()
              + " in "
              + ReplayCommand.seconds(summary.took())
              + (summary.leftOut() > 0
                  ? "; " + summary.leftOut() + " left out for their timestamp"
                  : "")
              + ".");
      out.flush();
      return 0;
    }
  }

  private static void print(PrintWriter out, CopyPlan plan) {
    out.println(
        "Copy "
            + plan.source()
            + " to "
            + plan.target()
            + (plan.keepsPartitions()
                ? " (same partition count: records keep their partition)"
                : " (different partition counts: records are placed by key)"));
    if (plan.alreadyCopied() > 0) {
      out.println(
          "  "
              + plan.alreadyCopied()
              + " offset(s) already copied by an earlier run of this copy: it goes on from there"
              + " (--again to copy them again)");
    }
    for (PartitionRange range : plan.ranges()) {
      out.printf(
          "  partition %d: offsets %d to %d (%d)%n",
          range.partition(), range.from(), range.to(), range.count());
    }
    out.println(
        "  "
            + plan.total()
            + " offset(s) in all"
            + plan.since()
                .map(t -> "; records with a timestamp before " + t + " are left out")
                .orElse("")
            + plan.until()
                .map(t -> "; records with a timestamp at or after " + t + " are left out")
                .orElse(""));
    plan.targetRetention()
        .ifPresent(
            retention ->
                out.println(
                    "  Note: "
                        + plan.target()
                        + " deletes records older than its retention.ms ("
                        + retention
                        + "), and copied records keep their timestamps: those before "
                        + Instant.now().minus(retention)
                        + " go at its next retention check"));
    out.flush();
  }
}
