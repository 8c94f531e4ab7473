package io.tideway.cli;

import io.tideway.deploy.platform.PlatformSetupException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import picocli.CommandLine.Option;

/**
 * {@code --kafka-config}: how a command's Kafka clients reach a secured cluster, as a properties
 * file of client settings (the {@code --command-config} of Kafka's own tools).
 */
final class KafkaClientConfigOption {

  @Option(
      names = "--kafka-config",
      paramLabel = "FILE",
      defaultValue = "${env:TIDEWAY_KAFKA_CONFIG}",
      description =
          "Kafka client settings for every client this command makes, as properties:"
              + " security.protocol, sasl.*, ssl.* and the like (env TIDEWAY_KAFKA_CONFIG; the"
              + " cluster itself is --bootstrap-server).")
  private Path file;

  /** The file's settings; none without the option. */
  Map<String, String> settings() {
    if (file == null) {
      return Map.of();
    }
    Properties properties = new Properties();
    try (Reader in = Files.newBufferedReader(file)) {
      properties.load(in);
    } catch (NoSuchFileException e) {
      throw new PlatformSetupException("No Kafka client config file " + file);
    } catch (IOException | IllegalArgumentException e) {
      throw new PlatformSetupException("Cannot read the Kafka client config " + file + ": " + e);
    }
    if (properties.containsKey("bootstrap.servers")) {
      throw new PlatformSetupException(
          file + " names bootstrap.servers: name the cluster with --bootstrap-server instead");
    }
    Map<String, String> settings = new TreeMap<>();
    properties
        .stringPropertyNames()
        .forEach(name -> settings.put(name, properties.getProperty(name)));
    return settings;
  }
}
