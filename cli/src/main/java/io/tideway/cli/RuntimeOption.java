package io.tideway.cli;

import io.tideway.topology.runtime.RuntimeClient;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code --query-url}: a topology runtime, by default the local platform's. */
final class RuntimeOption {

  @Mixin private DataDirOption dataDir;

  @Option(
      names = "--query-url",
      converter = HttpUrlConverter.class,
      paramLabel = "URL",
      defaultValue = "${env:TIDEWAY_QUERY_URL}",
      description = "The topology runtime's URL (default: the local platform's query.url).")
  private String url;

  /** A client of the chosen runtime, for reading. */
  RuntimeClient client() {
    return client(null);
  }

  /** A client of the chosen runtime, sending the operator's token with what changes it. */
  RuntimeClient client(OperatorTokenOption operator) {
    return new RuntimeClient(
        url != null ? url : dataDir.endpoints("pass --query-url").query().url(),
        operator == null ? null : operator.token());
  }
}
