package io.tideway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tideway sagas list|show}: the sagas the runtime runs and has run. */
@Command(
    name = "sagas",
    mixinStandardHelpOptions = true,
    description = "Inspect sagas: list them by state, or show one with its history.",
    subcommands = {SagasCommand.ListSagas.class, SagasCommand.ShowSaga.class})
final class SagasCommand {

  /** {@code tideway sagas list [--state S] [--limit N]}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List sagas in id order: id, saga, status, current step, last change.")
  static final class ListSagas implements Callable<Integer> {

    @Spec private CommandSpec spec;
    @Mixin private RuntimeOption runtime;

    @Option(
        names = "--state",
        paramLabel = "STATE",
        description =
            "Only sagas in this state: QUEUED, RUNNING, COMPENSATING, COMPLETED, COMPENSATED,"
                + " FAILED_COMPENSATION or REJECTED.")
    private String state;

    @Option(
        names = "--limit",
        defaultValue = "50",
        description = "At most this many (1-1000; default ${DEFAULT-VALUE}).")
    private int limit;

    @Option(names = "--cursor", description = "Continue where a previous page ended (its 'next').")
    private String cursor;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      JsonNode page = runtime.client().sagas(state, limit, cursor);
      out.printf("%-36s  %-12s  %-19s  %-15s  %s%n", "ID", "SAGA", "STATUS", "STEP", "UPDATED");
      for (JsonNode saga : page.get("sagas")) {
        out.printf(
            "%-36s  %-12s  %-19s  %-15s  %s%n",
            saga.path("sagaId").asText(),
            saga.path("saga").asText(),
            saga.path("status").asText(),
            saga.path("stepName").asText(),
            saga.path("updatedAt").asText());
      }
      if (!page.get("next").isNull()) {
        out.println("more: --cursor " + page.get("next").asText());
      }
      out.flush();
      return 0;
    }
  }

  /** {@code tideway sagas show <id>}. */
  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description =
          "Show one saga: its state, current step, and the history of its steps and"
              + " compensations with their times; --json for the runtime's answer as it is.")
  static final class ShowSaga implements Callable<Integer> {

    @Spec private CommandSpec spec;
    @Mixin private RuntimeOption runtime;

    @Parameters(
        index = "0",
        paramLabel = "ID",
        description = "The saga id (for place-order: the order id).")
    private String id;

    @Option(names = "--json", description = "Print the runtime's JSON answer.")
    private boolean asJson;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      JsonNode saga = runtime.client().saga(id);
      if (asJson) {
        out.println(saga.toPrettyString());
      } else {
        out.printf(
            "%s %s: %s (step %s)%n",
            saga.path("saga").asText(),
            saga.path("sagaId").asText(),
            saga.path("status").asText(),
            saga.path("stepName").asText());
        if (!saga.path("failure").isNull()) {
          out.println("failure: " + saga.path("failure").asText());
        }
        for (JsonNode t : saga.path("history")) {
          out.printf(
              "  %-24s  %-24s  %-15s  %s%n",
              t.path("at").asText(),
              t.path("event").asText(),
              t.path("step").isNull() ? "" : t.path("step").asText(),
              t.path("detail").isNull() ? "" : t.path("detail").asText());
        }
      }
      out.flush();
      return 0;
    }
  }
}
