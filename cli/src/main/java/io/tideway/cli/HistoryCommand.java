package io.tideway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.tideway.topology.runtime.RuntimeClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tideway history <type> <id>}: an aggregate's events in order, for an audit. */
@Command(
    name = "history",
    mixinStandardHelpOptions = true,
    description =
        "Print an aggregate's events in the order they were published: time, type, event id and"
            + " payload, from the history store a projection keeps (customer-history,"
            + " order-history in the reference projections).")
final class HistoryCommand implements Callable<Integer> {

  /** Events asked for per request. */
  private static final int PAGE = 500;

  @Spec private CommandSpec spec;
  @Mixin private RuntimeOption runtime;

  @Parameters(index = "0", paramLabel = "TYPE", description = "The aggregate type, e.g. order.")
  private String type;

  @Parameters(index = "1", paramLabel = "ID", description = "The aggregate id.")
  private String id;

  @Option(names = "--json", description = "Print the events as one JSON array.")
  private boolean asJson;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    ArrayNode all = new ObjectMapper().createArrayNode();
    RuntimeClient client = runtime.client();
    String cursor = null;
    do {
      JsonNode page = client.aggregateEvents(type, id, PAGE, cursor);
      for (JsonNode event : page.path("events")) {
        if (asJson) {
          all.add(event);
        } else {
          out.printf(
              "%-24s  %-28s  %s%n    %s%n",
              event.path("occurredAt").asText(),
              event.path("eventType").asText(),
              event.path("eventId").asText(),
              event.path("payload"));
        }
      }
      String next = page.path("next").isTextual() ? page.path("next").asText() : null;
      if (next != null && next.equals(cursor)) {
        // A page that points at itself would print the same events forever.
        throw new IOException("The runtime answered the same page again for cursor " + cursor);
      }
      cursor = next;
    } while (cursor != null);
    if (asJson) {
      out.println(all.toPrettyString());
    }
    out.flush();
    return 0;
  }
}
