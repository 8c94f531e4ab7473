package io.tideway.cli;

import io.tideway.schemas.client.HttpSchemaRegistryClient;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code --registry-url}: any Confluent-compatible registry, by default the local platform's. */
final class RegistryOption {

  @Mixin private DataDirOption dataDir;

  @Option(
      names = "--registry-url",
      converter = HttpUrlConverter.class,
      paramLabel = "URL",
      defaultValue = "${env:TIDEWAY_REGISTRY_URL}",
      description =
          "Schema registry (Tideway's, Confluent's, Apicurio's ccompat API or Karapace); comma"
              + " separated for several instances (default: the local platform's).")
  private String url;

  /** A client on the chosen registry. */
  HttpSchemaRegistryClient client() {
    return new HttpSchemaRegistryClient(
        url != null ? url : dataDir.endpoints("pass --registry-url").registry().url());
  }
}
