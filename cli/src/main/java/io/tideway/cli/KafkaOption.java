package io.tideway.cli;

import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code --bootstrap-server}: any Kafka cluster, by default the local platform's. */
final class KafkaOption {

  @Mixin private DataDirOption dataDir;

  @Option(
      names = {"--bootstrap-server", "--bootstrap-servers"},
      paramLabel = "HOST:PORT",
      defaultValue = "${env:TIDEWAY_BOOTSTRAP_SERVER}",
      description =
          "Kafka, comma separated for several brokers (env TIDEWAY_BOOTSTRAP_SERVER; default: the"
              + " local platform's, found through --data-dir).")
  private String bootstrapServers;

  /** The chosen cluster's {@code bootstrap.servers}. */
  String bootstrapServers() {
    return bootstrapServers != null
        ? bootstrapServers
        : dataDir.endpoints("pass --bootstrap-server").kafka().bootstrap();
  }

  /** Client settings for the chosen cluster: where it is, and how to reach it. */
  Map<String, Object> settings(KafkaClientConfigOption clientConfig) {
    Map<String, Object> settings = new HashMap<>(clientConfig.settings());
    settings.put("bootstrap.servers", bootstrapServers());
    return settings;
  }
}
