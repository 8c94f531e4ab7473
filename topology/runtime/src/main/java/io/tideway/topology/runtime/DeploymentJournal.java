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
 * runs it again: per deployment name, the jar, its settings and its instances; and in {@code
 * generations.json} the application id each deployment's latest rebuild runs under.
 */
final class DeploymentJournal {

  /** One deployment as it was asked for. */
  record Entry(String jar, Map<String, String> settings, int instances) {}

  private final Path file;
  private final Path generationsFile;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, Entry> entries;

  /**
   * The application id each deployment's latest rebuild runs under, kept after an undeploy too: its
   * state lives there, and the provider's own application's was deleted.
   */
  private final Map<String, String> generations;

  DeploymentJournal(Path stateDir) {
    this.file = stateDir.resolve("deployments.json");
    this.generationsFile = stateDir.resolve("generations.json");
    this.entries = new TreeMap<>(read(file, new TypeReference<Map<String, Entry>>() {}));
    this.generations =
        new TreeMap<>(read(generationsFile, new TypeReference<Map<String, String>>() {}));
  }

  /** The application id the latest rebuild of a deployment made, or null when none did. */
  synchronized String generation(String name) {
    return generations.get(name);
  }

  synchronized void recordGeneration(String name, String applicationId) {
    generations.put(name, applicationId);
    write(generationsFile, generations);
  }

  /** The deployments to run, by name. */
  synchronized Map<String, Entry> entries() {
    return Map.copyOf(entries);
  }

  synchronized void put(String name, Entry entry) {
    entries.put(name, entry);
    write(file, entries);
  }

  synchronized void remove(String name) {
    if (entries.remove(name) != null) {
      write(file, entries);
    }
  }

  private <T> Map<String, T> read(Path from, TypeReference<Map<String, T>> type) {
    try {
      return json.readValue(Files.readAllBytes(from), type);
    } catch (NoSuchFileException e) {
      return Map.of();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + from, e);
    }
  }

  private void write(Path to, Map<String, ?> content) {
    try {
      Files.createDirectories(to.getParent());
      Path partial = Files.createTempFile(to.getParent(), "journal", ".partial");
      json.writerWithDefaultPrettyPrinter().writeValue(partial.toFile(), content);
      Files.move(partial, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + to, e);
    }
  }
}
