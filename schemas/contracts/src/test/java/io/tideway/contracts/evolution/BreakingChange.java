package io.tideway.contracts.evolution;

import org.apache.avro.SchemaCompatibility.SchemaIncompatibilityType;

/**
 * One way in which a schema breaks one of its released versions.
 *
 * @param schemaName full name of the schema that breaks
 * @param version the released version it breaks
 * @param level the compatibility level the schema is held to
 * @param field dotted path of the offending field ({@code []} steps into array items), empty when
 *     the record itself is at fault
 * @param type Avro's kind of incompatibility
 * @param detail what breaks, naming the field and which side cannot read which
 */
record BreakingChange(
    String schemaName,
    int version,
    CompatibilityLevel level,
    String field,
    SchemaIncompatibilityType type,
    String detail) {

  /** The line the build prints, e.g. {@code a.B breaks v1 under FULL: field 'x' ... (type)}. */
  String message() {
    return "%s breaks v%d under %s: %s (%s)"
        .formatted(schemaName, version, level, detail, type.name().toLowerCase().replace('_', ' '));
  }

  @Override
  public String toString() {
    return message();
  }
}
