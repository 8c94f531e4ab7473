package io.tideway.contracts.evolution;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParser;

/**
 * Reads the contracts as the build checks them: the current schemas, their released versions and
 * the compatibility level of each.
 */
final class ContractSchemas {

  /** The key of {@code compatibility.properties} that sets the level of unlisted schemas. */
  static final String DEFAULT_LEVEL_KEY = "default";

  private static final Pattern VERSION_FILE = Pattern.compile("v([1-9][0-9]*)\\.avsc");

  private ContractSchemas() {}

  /**
   * The current schemas, one named type per {@code .avsc} file named after it, by full name. They
   * are parsed together, as the code generator does, so that they can refer to each other by name.
   */
  static Map<String, Schema> current(Path directory) throws IOException {
    SchemaParser parser = new SchemaParser();
    Map<Path, SchemaParser.ParseResult> parsed = new LinkedHashMap<>();
    for (Path file : avscFiles(directory)) {
      parsed.put(file, parser.parse(file));
    }
    // Only now can references to types in files parsed later be resolved.
    Map<String, Schema> schemas = new TreeMap<>();
    parsed.forEach(
        (file, result) -> {
          if (result.parsedNamedSchemas().size() != 1) {
            throw new IllegalStateException(
                directory.relativize(file)
                    + " must define exactly one named type, not "
                    + names(result));
          }
          Schema schema = result.mainSchema();
          if (!file.getFileName().toString().equals(schema.getName() + ".avsc")) {
            throw new IllegalStateException(
                directory.relativize(file) + " must be named " + schema.getName() + ".avsc");
          }
          schemas.put(schema.getFullName(), schema);
        });
    return schemas;
  }

  /**
   * The released versions of every schema, v1 first, from {@code <full name>/v<N>.avsc}. A released
   * version is self-contained, as a registry stores it: the types it uses are written out inside
   * it, so that it stays what was released when a shared type changes later.
   */
  static Map<String, List<Schema>> released(Path directory) throws IOException {
    Map<String, List<Schema>> history = new TreeMap<>();
    if (!Files.isDirectory(directory)) {
      return history;
    }
    try (Stream<Path> entries = Files.list(directory)) {
      for (Path schemaDirectory : entries.sorted().toList()) {
        String fullName = schemaDirectory.getFileName().toString();
        if (!Files.isDirectory(schemaDirectory)) {
          throw new IllegalStateException(
              fullName
                  + " must be a directory named after a schema, holding v1.avsc, v2.avsc, ...");
        }
        history.put(fullName, versions(fullName, schemaDirectory));
      }
    }
    return history;
  }

  private static List<Schema> versions(String fullName, Path schemaDirectory) throws IOException {
    Map<Integer, Schema> byVersion = new HashMap<>();
    try (Stream<Path> files = Files.list(schemaDirectory)) {
      for (Path file : files.toList()) {
        Matcher name = VERSION_FILE.matcher(file.getFileName().toString());
        if (!name.matches()) {
          throw new IllegalStateException(
              fullName + "/" + file.getFileName() + " must be named v<N>.avsc, e.g. v1.avsc");
        }
        Schema schema = new SchemaParser().parse(file).mainSchema();
        if (!fullName.equals(schema.getFullName())) {
          throw new IllegalStateException(
              fullName + "/" + file.getFileName() + " holds " + schema.getFullName());
        }
        byVersion.put(Integer.valueOf(name.group(1)), schema);
      }
    }
    List<Schema> versions = new ArrayList<>();
    for (int version = 1; version <= byVersion.size(); version++) {
      Schema schema = byVersion.get(version);
      if (schema == null) {
        throw new IllegalStateException(
            fullName + " skips v" + version + ": versions are numbered v1, v2, ... without gaps");
      }
      versions.add(schema);
    }
    return versions;
  }

  /** The compatibility level of every schema in {@code names}, from a properties file. */
  static Map<String, CompatibilityLevel> levels(Path propertiesFile, Set<String> names)
      throws IOException {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(propertiesFile, StandardCharsets.UTF_8)) {
      properties.load(reader);
    }
    String defaultValue = properties.getProperty(DEFAULT_LEVEL_KEY);
    if (defaultValue == null) {
      throw new IllegalStateException(
          propertiesFile.getFileName() + " must set '" + DEFAULT_LEVEL_KEY + "'");
    }
    CompatibilityLevel defaultLevel = level(DEFAULT_LEVEL_KEY, defaultValue);
    for (String key : properties.stringPropertyNames()) {
      if (!key.equals(DEFAULT_LEVEL_KEY) && !names.contains(key)) {
        throw new IllegalStateException(
            propertiesFile.getFileName() + " sets a level for " + key + ", which is no schema");
      }
    }
    Map<String, CompatibilityLevel> levels = new TreeMap<>();
    for (String name : names) {
      String value = properties.getProperty(name);
      levels.put(name, value == null ? defaultLevel : level(name, value));
    }
    return levels;
  }

  private static CompatibilityLevel level(String key, String value) {
    try {
      return CompatibilityLevel.valueOf(value.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          key
              + " = "
              + value
              + " is no compatibility level; use one of "
              + List.of(CompatibilityLevel.values()),
          e);
    }
  }

  private static List<Path> avscFiles(Path directory) throws IOException {
    try (Stream<Path> files = Files.walk(directory)) {
      return files.filter(file -> file.toString().endsWith(".avsc")).sorted().toList();
    }
  }

  private static List<String> names(SchemaParser.ParseResult result) {
    return result.parsedNamedSchemas().stream().map(Schema::getFullName).toList();
  }
}
