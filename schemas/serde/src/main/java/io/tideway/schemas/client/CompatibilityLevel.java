package io.tideway.schemas.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * The seven compatibility levels of Confluent Schema Registry, decided by Avro's own {@link
 * SchemaCompatibility} checker.
 *
 * <ul>
 *   <li>{@code BACKWARD}: consumers using the new schema can read data written with the previous
 *       version;
 *   <li>{@code FORWARD}: consumers using the previous version can read data written with the new
 *       schema;
 *   <li>{@code FULL}: both;
 *   <li>{@code *_TRANSITIVE}: the same against every earlier version, not only the previous one;
 *   <li>{@code NONE}: no check.
 * </ul>
 */
public enum CompatibilityLevel {
  NONE(false, false, false),
  BACKWARD(true, false, false),
  BACKWARD_TRANSITIVE(true, false, true),
  FORWARD(false, true, false),
  FORWARD_TRANSITIVE(false, true, true),
  FULL(true, true, false),
  FULL_TRANSITIVE(true, true, true);

  private final boolean backward;
  private final boolean forward;
  private final boolean transitive;

  CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
    this.backward = backward;
    this.forward = forward;
    this.transitive = transitive;
  }

  /** Whether the check covers every earlier version rather than the latest only. */
  public boolean transitive() {
    return transitive;
  }

  /**
   * Parses a level name, case-insensitively.
   *
   * @throws RegistryException with {@link RegistryException#INVALID_COMPATIBILITY_LEVEL}
   */
  public static CompatibilityLevel parse(String name) {
    if (name != null) {
      try {
        return valueOf(name.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        // reported below
      }
    }
    throw RegistryException.invalidCompatibilityLevel(name);
  }

  /**
   * Checks a candidate schema against earlier versions: Avro's reader-writer compatibility in the
   * level's directions, and, unlike Confluent's registry, the logical types of values both schemas
   * hold, which Avro's check leaves out ({@link LogicalTypeChange}).
   *
   * @param candidate the schema to register
   * @param earlier the earlier versions, oldest first
   * @return one message per incompatibility, naming the version, the kind of break and the field's
   *     location; empty when the candidate is compatible
   */
  public List<String> check(Schema candidate, List<Version> earlier) {
    List<String> problems = new ArrayList<>();
    if (this == NONE || earlier.isEmpty()) {
      return problems;
    }
    List<Version> against =
        transitive ? earlier : earlier.subList(earlier.size() - 1, earlier.size());
    for (Version old : against) {
      LogicalTypeChange logical = LogicalTypeChange.between(candidate, old.schema());
      if (logical != null) {
        problems.add(
            "{errorType:'LOGICAL_TYPE_MISMATCH', description:'the logical type is "
                + logical.first()
                + " in the new schema and "
                + logical.second()
                + " in version "
                + old.number()
                + ": values written with one read wrong with the other', location:'"
                + logical.location()
                + "'}");
      }
      if (backward) {
        describe(
            SchemaCompatibility.checkReaderWriterCompatibility(candidate, old.schema()),
            "the new schema cannot read data written with version " + old.number(),
            problems);
      }
      if (forward) {
        describe(
            SchemaCompatibility.checkReaderWriterCompatibility(old.schema(), candidate),
            "version " + old.number() + " cannot read data written with the new schema",
            problems);
      }
    }
    return problems;
  }

  private static void describe(SchemaPairCompatibility result, String direction, List<String> out) {
    for (Incompatibility i : result.getResult().getIncompatibilities()) {
      out.add(
          "{errorType:'"
              + i.getType()
              + "', description:'"
              + direction
              + ": "
              + i.getMessage()
              + "', location:'"
              + i.getLocation()
              + "'}");
    }
  }

  /**
   * An earlier version of a subject.
   *
   * @param number its version number
   * @param schema its schema
   */
  public record Version(int number, Schema schema) {}
}
