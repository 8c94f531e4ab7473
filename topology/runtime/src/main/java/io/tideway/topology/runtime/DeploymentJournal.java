package io.tideway.topology.runtime;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a runtime runs, kept in {@code <state dir>/deployments.json} so that a restarted runtime
 * runs it again: per deployment name, the jar, its settings and its instances.
 */
final class DeploymentJournal {

  /**
   * One deployment as it was asked for.
   *
   * @param unfinishedReset where a reset under way replays the inputs from ({@code earliest} or a
   *     time), or null: set before a reset changes anything and cleared once it is done, so that a
   *     runtime stopped part-way does not run the deployment on half-reset offsets and state
   */
  record Entry(String jar, Map<String, String> settings, int instances, String unfinishedReset) {

    Entry(String jar, Map<String, String> settings, int instances) {
      this(jar, settings, instances, null);
    }

    Entry withUnfinishedReset(String target) {
      return new Entry(jar, settings, instances, target);
    }
  }

  private final Path file;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, Entry> entries;

  DeploymentJournal(Path stateDir) {
    this.file = stateDir.resolve("deployments.json");
    this.entries = new TreeMap<>(read());
  }

  /** The deployments to run, by name. */
  synchronized Map<String, Entry> entries() {
    return Map.copyOf(entries);
  }

  synchronized void put(String name, Entry entry) {
    entries.put(name, entry);
    write();
  }

  synchronized void remove(String name) {
    if (entries.remove(name) != null) {
      write();
    }
  }

  private Map<String, Entry> read() {
    try {
      return json.readValue(Files.readAllBytes(file), new TypeReference<>() {});
    } catch (NoSuchFileException e) {
      return Map.of();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file, e);
    }
  }

  private void write() {
    try {
      Files.createDirectories(file.getParent());
      Path partial = Files.createTempFile(file.getParent(), "journal", ".partial");
      json.writerWithDefaultPrettyPrinter().writeValue(partial.toFile(), entries);
      Files.move(
          partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file, e);
    }
  }
}
