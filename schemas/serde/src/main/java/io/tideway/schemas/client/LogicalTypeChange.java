package io.tideway.schemas.client;

import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * Where the logical type of a value differs between two schemas: Avro's compatibility check and the
 * parsing form leave logical types out, so a decimal whose scale changed, or a timestamp whose unit
 * did, passes them, and every value then reads wrong, silently (an amount off by ten, a time by a
 * thousand).
 *
 * @param location where the value is, e.g. {@code .amount} or {@code .lines[].price}
 * @param first the logical type there in the first schema, e.g. {@code decimal(12,2)}, or {@code
 *     none}
 * @param second the logical type there in the second
 */
public record LogicalTypeChange(String location, String first, String second) {

  /**
   * The first value whose logical type differs between the schemas (fields paired by name, union
   * branches by name or type), or null where none does.
   */
  public static LogicalTypeChange between(Schema first, Schema second) {
    return find(first, second, "", new HashSet<>());
  }

  private static LogicalTypeChange find(
      Schema first, Schema second, String at, Set<String> visited) {
    // A value made optional, or no longer: compared with the union's branch of its kind.
    if ((first.getType() == Schema.Type.UNION) != (second.getType() == Schema.Type.UNION)) {
      Schema union = first.getType() == Schema.Type.UNION ? first : second;
      Schema single = union == first ? second : first;
      for (Schema branch : union.getTypes()) {
        if (branch.getType() == single.getType()
            && branch.getFullName().equals(single.getFullName())) {
          return union == first
              ? find(branch, single, at, visited)
              : find(single, branch, at, visited);
        }
      }
      return null;
    }
    if (!Objects.equals(first.getLogicalType(), second.getLogicalType())) {
      return new LogicalTypeChange(
          at.isEmpty() ? "the top" : at, describe(first), describe(second));
    }
    switch (first.getType()) {
      case RECORD -> {
        if (second.getType() != Schema.Type.RECORD
            || !visited.add(first.getFullName() + "|" + second.getFullName())) {
          return null;
        }
        for (Schema.Field field : first.getFields()) {
          Schema.Field other = second.getField(field.name());
          LogicalTypeChange change =
              other == null
                  ? null
                  : find(field.schema(), other.schema(), at + "." + field.name(), visited);
          if (change != null) {
            return change;
          }
        }
        return null;
      }
      case ARRAY -> {
        return second.getType() == Schema.Type.ARRAY
            ? find(first.getElementType(), second.getElementType(), at + "[]", visited)
            : null;
      }
      case MAP -> {
        return second.getType() == Schema.Type.MAP
            ? find(first.getValueType(), second.getValueType(), at + "{}", visited)
            : null;
      }
      case UNION -> {
        if (second.getType() != Schema.Type.UNION) {
          return null;
        }
        for (Schema branch : first.getTypes()) {
          for (Schema other : second.getTypes()) {
            if (branch.getType() == other.getType()
                && branch.getFullName().equals(other.getFullName())) {
              LogicalTypeChange change = find(branch, other, at, visited);
              if (change != null) {
                return change;
              }
            }
          }
        }
        return null;
      }
      default -> {
        return null;
      }
    }
  }

  private static String describe(Schema schema) {
    LogicalType type = schema.getLogicalType();
    if (type == null) {
      return "none";
    }
    return type instanceof LogicalTypes.Decimal decimal
        ? "decimal(" + decimal.getPrecision() + "," + decimal.getScale() + ")"
        : type.getName();
  }
}
