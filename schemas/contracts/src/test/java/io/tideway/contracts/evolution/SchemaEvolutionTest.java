package io.tideway.contracts.evolution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaFormatter;
import org.apache.avro.SchemaParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The build's gate on contract changes: every schema in {@code src/main/avro} is checked against
 * its released versions in {@code src/main/avro-history} under its level in {@code
 * compatibility.properties}.
 */
class SchemaEvolutionTest {

  private static final Path CURRENT = Path.of("src", "main", "avro");
  private static final Path HISTORY = Path.of("src", "main", "avro-history");
  private static final Path LEVELS = Path.of("compatibility.properties");

  /** Where the next version of each changed schema is written, ready to copy into the history. */
  private static final Path NEXT_RELEASE = Path.of("target", "avro-release");

  private static Map<String, Schema> current;
  private static Map<String, List<Schema>> released;
  private static Map<String, CompatibilityLevel> levels;

  @BeforeAll
  static void readContracts() throws IOException {
    current = ContractSchemas.current(CURRENT);
    released = ContractSchemas.released(HISTORY);
    levels = ContractSchemas.levels(LEVELS, current.keySet());
  }

  @Test
  void shouldHaveReleasedEverySchema() {
    List<String> unreleased =
        current.keySet().stream().filter(name -> !released.containsKey(name)).toList();

    assertThat(unreleased)
        .withFailMessage(
            () ->
                "Never released, so nothing guards their compatibility: %s%n".formatted(unreleased)
                    + "Copy %s/<full name>/v1.avsc to %s/<full name>/v1.avsc."
                        .formatted(NEXT_RELEASE, HISTORY))
        .isEmpty();
  }

  @Test
  void shouldKeepNoHistoryOfASchemaThatIsGone() {
    List<String> gone =
        released.keySet().stream().filter(name -> !current.containsKey(name)).toList();

    assertThat(gone)
        .withFailMessage(
            () ->
                "Released, but no longer in %s; consumers may still read them: %s"
                    .formatted(CURRENT, gone))
        .isEmpty();
  }

  @Test
  void shouldBeTheLatestReleaseOrTheNextOne() {
    List<String> behind = new ArrayList<>();
    released.forEach(
        (name, versions) -> {
          Schema schema = current.get(name);
          int latest = versions.size();
          int sameAs = versions.lastIndexOf(schema) + 1;
          if (schema != null && sameAs > 0 && sameAs < latest) {
            behind.add("%s is v%d again, but v%d is released".formatted(name, sameAs, latest));
          }
        });

    assertThat(behind).withFailMessage(() -> String.join(System.lineSeparator(), behind)).isEmpty();
  }

  @Test
  void shouldNotBreakAnyReleasedVersionUnderItsCompatibilityLevel() {
    List<String> breaking = new ArrayList<>();
    current.forEach(
        (name, schema) ->
            CompatibilityCheck.breakingChanges(
                    name, schema, released.getOrDefault(name, List.of()), levels.get(name))
                .forEach(change -> breaking.add(change.message())));

    assertThat(breaking)
        .withFailMessage(() -> String.join(System.lineSeparator(), breaking))
        .isEmpty();
  }

  @Test
  void canWriteTheNextReleaseOfEveryChangedSchema() throws IOException {
    deleteRecursively(NEXT_RELEASE);
    for (Map.Entry<String, Schema> entry : current.entrySet()) {
      String name = entry.getKey();
      Schema schema = entry.getValue();
      List<Schema> versions = released.getOrDefault(name, List.of());
      if (!versions.isEmpty() && versions.get(versions.size() - 1).equals(schema)) {
        continue;
      }
      Path next = NEXT_RELEASE.resolve(name).resolve("v" + (versions.size() + 1) + ".avsc");
      Files.createDirectories(next.getParent());
      // Self-contained: the shared types it uses are written out inside it.
      Files.writeString(
          next, SchemaFormatter.format("json/pretty", schema) + "\n", StandardCharsets.UTF_8);

      assertThat(new SchemaParser().parse(next).mainSchema()).isEqualTo(schema);
    }
  }

  private static void deleteRecursively(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
