package io.tideway.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tideway query <store> <key> [--as-of T]}: one key of a read model, now or at a time. */
@Command(
    name = "query",
    mixinStandardHelpOptions = true,
    description =
        "Look a key up in a deployment's state store and print the answer as JSON. The runtime"
            + " asked forwards to the instance that owns the key; during a rebalance the lookup is"
            + " retried for up to 30 s.")
final class QueryCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;
  @Mixin private RuntimeOption runtime;

  @Parameters(index = "0", paramLabel = "STORE", description = "The store's name.")
  private String store;

  @Parameters(index = "1", paramLabel = "KEY", description = "The key.")
  private String key;

  @Option(
      names = "--allow-stale",
      description = "Accept an answer from a standby copy while the owner cannot answer.")
  private boolean allowStale;

  @Option(
      names = "--as-of",
      paramLabel = "TIME",
      description =
          "Of a versioned store (customer-orders is one), the value as it was at this time: an"
              + " ISO-8601 instant (2026-12-01T10:00:00Z) or epoch milliseconds, within the"
              + " store's history retention.")
  private String asOf;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    out.println(runtime.client().get(store, key, allowStale, asOf).toPrettyString());
    out.flush();
    return 0;
  }
}
