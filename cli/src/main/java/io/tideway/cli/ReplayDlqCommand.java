package io.tideway.cli;

import io.tideway.replay.DeadLetter;
import io.tideway.replay.DeadLetterFilter;
import io.tideway.replay.DeadLetterRedrive;
import io.tideway.replay.LogPosition;
import io.tideway.replay.RedriveListener;
import io.tideway.replay.RedriveSummary;
import io.tideway.replay.ReplayProgress;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tideway replay dlq <dlq-topic> [--filter K=V]... [--since T] [--dry-run]}. */
@Command(
    name = "dlq",
    mixinStandardHelpOptions = true,
    description = {
      "Send dead letters back to the topics they failed on, with their key, value, original"
          + " timestamp and headers, once the cause is fixed: those of Kafka Streams (the"
          + " topologies') and of Spring's DeadLetterPublishingRecoverer (the services'), the"
          + " __streams.errors.* and kafka_dlt-* headers removed. A compensation a saga gave up"
          + " on goes to the command topic its tideway.saga.destination header names, a"
          + " punctuator's result Kafka refused to the topic its tideway.result.destination header"
          + " names.",
      "Records keep their id header, so topologies and services, which deduplicate by it, see a"
          + " record re-driven twice once. Dead letters without an original topic are skipped and"
          + " counted, and so are those that failed after a repartition unless --filter"
          + " topic=<the repartition topic> names it: that topic is read past the deduplication,"
          + " so re-drive them once."
    })
final class ReplayDlqCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;
  @Mixin private KafkaOption kafka;
  @Mixin private KafkaClientConfigOption clientConfig;

  @Parameters(
      index = "0",
      paramLabel = "DLQ_TOPIC",
      description = "The dead-letter topic, e.g. <application id>.dlq or <service>.dlq.")
  private String dlqTopic;

  @Option(
      names = "--filter",
      paramLabel = "KIND=VALUE",
      description =
          "exception=<class name or simple name>, or topic=<original topic>; repeat it: a dead"
              + " letter must match one value of each kind given.")
  private List<String> filters = new ArrayList<>();

  @Option(
      names = "--since",
      paramLabel = "TIME",
      description =
          "Only dead letters with a timestamp at or after TIME (ISO-8601, or epoch milliseconds);"
              + " Kafka Streams gives a dead letter the failed record's timestamp.")
  private String since;

  @Option(names = "--dry-run", description = "List what would be sent; send nothing.")
  private boolean dryRun;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    DeadLetterFilter filter =
        DeadLetterFilter.parse(
            filters, since == null ? null : LogPosition.parseTime(since, "--since"));
    try (DeadLetterRedrive redrive = new DeadLetterRedrive(kafka.settings(clientConfig))) {
      out.println((dryRun ? "Dry run: " : "Re-driving ") + filter + " in " + dlqTopic);
      out.flush();
      RedriveSummary summary =
          redrive.redrive(
              dlqTopic,
              filter,
              dryRun,
              new RedriveListener() {
                @Override
                public void progress(ReplayProgress progress) {
                  if (!progress.finished() && !dryRun) {
                    out.println(ReplayCommand.progressLine("re-driven", progress));
                    out.flush();
                  }
                }

                @Override
                public void wouldSend(DeadLetter letter) {
                  out.println(
                      "  "
                          + letter.location()
                          + " -> "
                          + letter.origin()
                          + "  "
                          + letter.exception()
                          + ": "
                          + letter.message());
                  out.flush();
                }

                @Override
                public void skipped(DeadLetter letter, String reason) {
                  out.println("  " + reason);
                  out.flush();
                }
              });
      out.println(
          (dryRun ? "Would re-drive " : "Re-drove ")
              + summary.sent()
              + " dead letter(s) from "
              + dlqTopic
              + (summary.sentByTopic().isEmpty() ? "" : " " + summary.sentByTopic())
              + "; "
              + summary.skipped()
              + " skipped, "
              + summary.filteredOut()
              + " filtered out, in "
              + ReplayCommand.seconds(summary.took())
              + (dryRun ? "; nothing sent." : "."));
      if (summary.pastDeduplication() > 0) {
        out.println(
            "Warning: "
                + summary.pastDeduplication()
                + " of them "
                + (dryRun ? "are" : "were")
                + " older than "
                + RedriveSummary.DEDUPLICATION_WINDOW.toDays()
                + " days, the deduplication window of Tideway's consumers by default: every"
                + " consumer of their topic takes them as new, those that processed the"
                + " originals too.");
      }
      out.flush();
      return 0;
    }
  }
}
