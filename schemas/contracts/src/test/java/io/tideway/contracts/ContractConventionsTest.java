package io.tideway.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The rules every contract follows, so that a new or changed schema cannot slip past them. */
class ContractConventionsTest {

  private static List<Schema> schemas;

  @BeforeAll
  static void readSchemas() throws IOException {
    schemas = ContractSchemaFiles.all();
  }

  @Test
  void shouldDocumentEveryTypeAndField() {
    List<String> undocumented = new ArrayList<>();
    for (Schema schema : schemas) {
      if (isBlank(schema.getDoc())) {
        undocumented.add(schema.getFullName());
      }
      for (Schema.Field field : fields(schema)) {
        if (isBlank(field.doc())) {
          undocumented.add(schema.getFullName() + "." + field.name());
        }
      }
    }

    assertThat(undocumented).isEmpty();
  }

  @Test
  void shouldCarryMoneyAsDecimalWithTwoPlacesAndNeverAsFloatingPoint() {
    List<String> offending = new ArrayList<>();
    for (Schema schema : schemas) {
      for (Schema.Field field : fields(schema)) {
        Schema type = withoutNull(field.schema());
        boolean floatingPoint =
            type.getType() == Schema.Type.FLOAT || type.getType() == Schema.Type.DOUBLE;
        boolean otherDecimal =
            type.getLogicalType() instanceof LogicalTypes.Decimal decimal
                && (decimal.getPrecision() != 19 || decimal.getScale() != 2);
        if (floatingPoint || otherDecimal) {
          offending.add(schema.getFullName() + "." + field.name());
        }
      }
    }

    assertThat(offending).isEmpty();
  }

  @Test
  void shouldCarryIdsAsUuids() {
    List<String> offending = new ArrayList<>();
    for (Schema schema : schemas) {
      for (Schema.Field field : fields(schema)) {
        if (field.name().endsWith("Id") && !isLogical(field.schema(), "uuid", Schema.Type.STRING)) {
          offending.add(schema.getFullName() + "." + field.name());
        }
      }
    }

    assertThat(offending).isEmpty();
  }

  @Test
  void shouldCarryPointsInTimeAsTimestampMillis() {
    List<String> offending = new ArrayList<>();
    for (Schema schema : schemas) {
      for (Schema.Field field : fields(schema)) {
        if (field.name().endsWith("At")
            && !isLogical(field.schema(), "timestamp-millis", Schema.Type.LONG)) {
          offending.add(schema.getFullName() + "." + field.name());
        }
      }
    }

    assertThat(offending).isEmpty();
  }

  @Test
  void shouldLetParticipantsHandleEveryCommandIdempotently() throws IOException {
    List<Schema> commands =
        ContractSchemaFiles.eventsAndCommands().stream()
            .filter(schema -> "io.tideway.contracts.saga".equals(schema.getNamespace()))
            .toList();

    assertThat(commands)
        .isNotEmpty()
        .allSatisfy(
            command -> {
              assertThat(command.getField("sagaId")).isNotNull();
              assertThat(command.getField("commandId")).isNotNull();
              assertThat(
                      isLogical(command.getField("commandId").schema(), "uuid", Schema.Type.STRING))
                  .isTrue();
            });
  }

  private static List<Schema.Field> fields(Schema schema) {
    return schema.getType() == Schema.Type.RECORD ? schema.getFields() : List.of();
  }

  private static boolean isLogical(Schema schema, String logicalType, Schema.Type type) {
    Schema value = withoutNull(schema);
    LogicalType actual = value.getLogicalType();
    return value.getType() == type && actual != null && actual.getName().equals(logicalType);
  }

  /** The value type of an optional field, the type itself otherwise. */
  private static Schema withoutNull(Schema schema) {
    if (schema.getType() != Schema.Type.UNION) {
      return schema;
    }
    List<Schema> values =
        schema.getTypes().stream().filter(branch -> branch.getType() != Schema.Type.NULL).toList();
    return values.size() == 1 ? values.get(0) : schema;
  }

  private static boolean isBlank(String text) {
    return text == null || text.isBlank();
  }
}
