package io.tideway.contracts.evolution;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaIncompatibilityType;

/**
 * Checks a schema against its released versions under a compatibility level, with Avro's own
 * reader/writer resolution rules ({@link SchemaCompatibility}), and explains every breaking change
 * by the field at fault.
 */
final class CompatibilityCheck {

  private static final String CURRENT = "the current schema";

  private CompatibilityCheck() {}

  /**
   * Every way in which {@code current} breaks its released versions under {@code level}: the latest
   * one for the plain levels, all of them for the transitive ones.
   *
   * @param released the released versions, v1 first
   * @return the breaking changes, empty when there are none
   */
  static List<BreakingChange> breakingChanges(
      String schemaName, Schema current, List<Schema> released, CompatibilityLevel level) {
    Set<BreakingChange> found = new LinkedHashSet<>();
    int oldest = level.transitive() ? 0 : released.size() - 1;
    for (int index = Math.max(oldest, 0); index < released.size(); index++) {
      int version = index + 1;
      Side now = new Side(current, CURRENT);
      Side then = new Side(released.get(index), "v" + version);
      List<Finding> findings = new ArrayList<>();
      if (level.newReadsOld()) {
        findings.addAll(findings(now, then, ""));
      }
      if (level.oldReadsNew()) {
        findings.addAll(findings(then, now, ""));
      }
      for (Finding finding : findings) {
        found.add(
            new BreakingChange(
                schemaName, version, level, finding.field(), finding.type(), finding.detail()));
      }
    }
    return List.copyOf(found);
  }

  /** A schema and how messages call it. */
  private record Side(Schema schema, String name) {}

  private record Finding(String field, SchemaIncompatibilityType type, String detail) {}

  /**
   * @param prefix path of the field whose type {@code reader} and {@code writer} are, empty for a
   *     top-level record
   */
  private static List<Finding> findings(Side reader, Side writer, String prefix) {
    List<Finding> findings = new ArrayList<>();
    List<Incompatibility> incompatibilities =
        SchemaCompatibility.checkReaderWriterCompatibility(reader.schema(), writer.schema())
            .getResult()
            .getIncompatibilities();
    for (Incompatibility incompatibility : incompatibilities) {
      List<String> location = tokens(incompatibility.getLocation());
      String field = join(prefix, fieldPath(reader.schema(), location));
      if (incompatibility.getType() == SchemaIncompatibilityType.MISSING_UNION_BRANCH) {
        List<Finding> inside = insideUnion(incompatibility, location, reader, writer, field);
        if (!inside.isEmpty()) {
          findings.addAll(inside);
          continue;
        }
      }
      findings.add(
          new Finding(
              field,
              incompatibility.getType(),
              explain(incompatibility, location, field, reader, writer)));
    }
    return findings;
  }

  /**
   * Avro reports a change inside a union branch (an optional record or enum) only as a union that
   * lacks the writer's branch. Comparing the branch with the reader's branch of the same name finds
   * the field that actually changed.
   */
  private static List<Finding> insideUnion(
      Incompatibility incompatibility,
      List<String> location,
      Side reader,
      Side writer,
      String unionField) {
    Schema writerBranch = writerBranch(incompatibility, location);
    Schema readerUnion = incompatibility.getReaderFragment();
    if (readerUnion.getType() != Schema.Type.UNION) {
      return List.of();
    }
    Optional<Schema> counterpart =
        readerUnion.getTypes().stream()
            .filter(branch -> branch.getType() == writerBranch.getType())
            .filter(
                branch ->
                    !isNamed(branch) || branch.getFullName().equals(writerBranch.getFullName()))
            .findFirst();
    if (counterpart.isEmpty()) {
      return List.of();
    }
    return findings(
        new Side(counterpart.get(), reader.name()),
        new Side(writerBranch, writer.name()),
        unionField);
  }

  private static Schema writerBranch(Incompatibility incompatibility, List<String> location) {
    Schema writer = incompatibility.getWriterFragment();
    if (writer.getType() == Schema.Type.UNION && !location.isEmpty()) {
      String last = location.get(location.size() - 1);
      if (isIndex(last)) {
        return writer.getTypes().get(Integer.parseInt(last));
      }
    }
    return writer;
  }

  private static String explain(
      Incompatibility incompatibility,
      List<String> location,
      String field,
      Side reader,
      Side writer) {
    String subject =
        field.isEmpty() ? "the " + reader.schema().getType().getName() : "field '" + field + "'";
    Schema readerFragment = incompatibility.getReaderFragment();
    Schema writerFragment = incompatibility.getWriterFragment();
    return switch (incompatibility.getType()) {
      case READER_FIELD_MISSING_DEFAULT_VALUE ->
          "%s is not in %s and has no default in %s, so %s cannot read data written with %s"
              .formatted(subject, writer.name(), reader.name(), reader.name(), writer.name());
      case TYPE_MISMATCH ->
          "%s is written by %s as %s, which %s cannot read as %s"
              .formatted(
                  subject,
                  writer.name(),
                  describe(writerFragment),
                  reader.name(),
                  describe(readerFragment));
      case MISSING_ENUM_SYMBOLS ->
          "%s can hold symbols %s in %s, which %s does not know and has no enum default for"
              .formatted(subject, incompatibility.getMessage(), writer.name(), reader.name());
      case MISSING_UNION_BRANCH ->
          "%s can hold a value of type %s in %s, which %s does not accept"
              .formatted(
                  subject,
                  describe(writerBranch(incompatibility, location)),
                  writer.name(),
                  reader.name());
      case NAME_MISMATCH ->
          "%s is %s in %s but %s in %s, which has no alias for the old name"
              .formatted(
                  subject,
                  writerFragment.getFullName(),
                  writer.name(),
                  readerFragment.getFullName(),
                  reader.name());
      case FIXED_SIZE_MISMATCH ->
          "%s is %d bytes long in %s but %d in %s"
              .formatted(
                  subject,
                  writerFragment.getFixedSize(),
                  writer.name(),
                  readerFragment.getFixedSize(),
                  reader.name());
    };
  }

  private static String describe(Schema schema) {
    if (isNamed(schema)) {
      return schema.getType().getName() + " " + schema.getFullName();
    }
    if (schema.getLogicalType() != null) {
      return schema.getType().getName() + " (" + schema.getLogicalType().getName() + ")";
    }
    return schema.getType().getName();
  }

  private static boolean isNamed(Schema schema) {
    return switch (schema.getType()) {
      case RECORD, ENUM, FIXED -> true;
      default -> false;
    };
  }

  /**
   * Turns an incompatibility's location, a JSON pointer into the reader schema such as {@code
   * /fields/2/type/items/fields/0}, into the field names along it, such as {@code
   * lines[].productId}.
   */
  private static String fieldPath(Schema reader, List<String> location) {
    String path = "";
    Schema at = reader;
    for (int index = 0; index < location.size(); index++) {
      switch (location.get(index)) {
        case "fields" -> {
          Schema.Field field =
              branch(at, Schema.Type.RECORD)
                  .getFields()
                  .get(Integer.parseInt(location.get(++index)));
          path = join(path, field.name());
          at = field.schema();
        }
        case "items" -> {
          path = path + "[]";
          at = branch(at, Schema.Type.ARRAY).getElementType();
        }
        case "values" -> {
          path = path + "{}";
          at = branch(at, Schema.Type.MAP).getValueType();
        }
        default -> {
          // "type", a writer union's branch, or the name, symbols or size that differ
        }
      }
    }
    return path;
  }

  private static Schema branch(Schema schema, Schema.Type type) {
    if (schema.getType() != Schema.Type.UNION) {
      return schema;
    }
    return schema.getTypes().stream()
        .filter(branch -> branch.getType() == type)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("No " + type + " in " + schema));
  }

  private static List<String> tokens(String jsonPointer) {
    List<String> tokens = new ArrayList<>();
    if (jsonPointer.length() <= 1) {
      return tokens;
    }
    for (String token : jsonPointer.substring(1).split("/", -1)) {
      tokens.add(token.replace("~1", "/").replace("~0", "~"));
    }
    return tokens;
  }

  private static boolean isIndex(String token) {
    return !token.isEmpty() && token.chars().allMatch(Character::isDigit);
  }

  private static String join(String path, String field) {
    if (path.isEmpty()) {
      return field;
    }
    return field.isEmpty() ? path : path + "." + field;
  }
}
