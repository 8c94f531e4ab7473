package io.tideway.contracts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParser;

/** The contract schemas as written in {@code src/main/avro}. */
final class ContractSchemaFiles {

  private static final Path SOURCES = Path.of("src", "main", "avro");

  private ContractSchemaFiles() {}

  /** Every named type, parsed together so that references between files resolve. */
  static List<Schema> all() throws IOException {
    SchemaParser parser = new SchemaParser();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(path -> path.toString().endsWith(".avsc")).sorted().toList()) {
        parser.parse(file);
      }
    }
    return parser.getParsedNamedSchemas();
  }

  /** The events and commands: the records sent on their own, which no other record contains. */
  static List<Schema> eventsAndCommands() throws IOException {
    List<Schema> all = all();
    Set<String> contained = new HashSet<>();
    all.forEach(schema -> collectContained(schema, contained));
    return all.stream().filter(schema -> !contained.contains(schema.getFullName())).toList();
  }

  static Set<String> eventAndCommandNames() throws IOException {
    return eventsAndCommands().stream().map(Schema::getFullName).collect(Collectors.toSet());
  }

  private static void collectContained(Schema schema, Set<String> contained) {
    switch (schema.getType()) {
      case RECORD -> schema.getFields().forEach(field -> collectNamed(field.schema(), contained));
      case ARRAY -> collectNamed(schema.getElementType(), contained);
      case MAP -> collectNamed(schema.getValueType(), contained);
      case UNION -> schema.getTypes().forEach(branch -> collectNamed(branch, contained));
      default -> {}
    }
  }

  private static void collectNamed(Schema schema, Set<String> contained) {
    switch (schema.getType()) {
      case RECORD, ENUM, FIXED -> {
        if (contained.add(schema.getFullName())) {
          collectContained(schema, contained);
        }
      }
      default -> collectContained(schema, contained);
    }
  }
}
