package io.tideway.topology.runtime;

import io.tideway.topology.DeploymentContext;
import io.tideway.topology.TopologyProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kind of each state store of a topology (key-value, versioned key-value, window, session), as
 * far as an upgrade is concerned: a store that keeps its name but changes kind cannot read the
 * changelog its earlier kind wrote.
 *
 * <p>Kafka Streams' public API names a topology's stores but not their kinds, so the provider
 * builds its topology once more, apart, and a {@link TopologyTestDriver} (no broker, a state
 * directory of its own, deleted after) instantiates its stores, whose types are public interfaces.
 * A timestamped store counts as its plain kind: Streams converts one into the other in place.
 */
final class StoreKinds {

  private static final Logger log = LoggerFactory.getLogger(StoreKinds.class);

  private StoreKinds() {}

  /**
   * The kinds of the provider's stores by name; empty, with a warning, when they cannot be found
   * out, so that the upgrade check then compares names only.
   *
   * @param workDir where the driver's state directory is made, and deleted after
   */
  static Map<String, String> of(
      TopologyProvider provider, Map<String, Object> settings, ClassLoader loader, Path workDir) {
    ClassLoader previous = Thread.currentThread().getContextClassLoader();
    Thread.currentThread().setContextClassLoader(loader);
    Path stateDir = null;
    try (DeploymentContext context = DeploymentContext.of(provider.applicationId(), settings)) {
      Topology topology = provider.build(context);
      stateDir = Files.createTempDirectory(Files.createDirectories(workDir), "store-kinds-");
      Properties config = new Properties();
      config.putAll(settings);
      config.put(StreamsConfig.APPLICATION_ID_CONFIG, provider.applicationId());
      config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
      try (TopologyTestDriver driver = new TopologyTestDriver(topology, config)) {
        Map<String, String> kinds = new TreeMap<>();
        driver.getAllStateStores().forEach((name, store) -> kinds.put(name, kindOf(store)));
        return kinds;
      }
    } catch (IOException | RuntimeException | LinkageError e) {
      log.warn(
          "Could not find the kinds of the stores of {}; its upgrades are checked by store name"
              + " only",
          provider.name(),
          e);
      return Map.of();
    } finally {
      Thread.currentThread().setContextClassLoader(previous);
      if (stateDir != null) {
        try {
          TopologyRuntime.deleteRecursively(stateDir);
        } catch (IOException e) {
          log.warn("Could not delete {}", stateDir, e);
        }
      }
    }
  }

  /** The kind of one store; a store of another type is named by its class. */
  static String kindOf(StateStore store) {
    // Versioned first: it is a key-value store of another layout.
    if (store instanceof VersionedKeyValueStore) {
      return "versioned key-value";
    }
    if (store instanceof KeyValueStore) {
      return "key-value";
    }
    if (store instanceof WindowStore) {
      return "window";
    }
    if (store instanceof SessionStore) {
      return "session";
    }
    return store.getClass().getName();
  }
}
