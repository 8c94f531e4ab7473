package io.tideway.contracts.evolution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility.SchemaIncompatibilityType;
import org.apache.avro.SchemaParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CompatibilityCheckTest {

  private static final String NAME = "test.Sample";

  @ParameterizedTest
  @EnumSource(CompatibilityLevel.class)
  void shouldAcceptAFieldAddedWithADefault(CompatibilityLevel level) {
    // given
    Schema v1 = record("{\"name\": \"id\", \"type\": \"string\"}");
    Schema current =
        record(
            "{\"name\": \"id\", \"type\": \"string\"}",
            "{\"name\": \"note\", \"type\": [\"null\", \"string\"], \"default\": null}");

    // when
    List<BreakingChange> changes =
        CompatibilityCheck.breakingChanges(NAME, current, List.of(v1), level);

    // then
    assertThat(changes).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(
      value = CompatibilityLevel.class,
      names = {"BACKWARD", "BACKWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"})
  void shouldRejectAFieldAddedWithoutADefaultWhenTheNewSchemaMustReadOldData(
      CompatibilityLevel level) {
    // given
    Schema v1 = record("{\"name\": \"id\", \"type\": \"string\"}");
    Schema current =
        record(
            "{\"name\": \"id\", \"type\": \"string\"}",
            "{\"name\": \"note\", \"type\": \"string\"}");

    // when
    List<BreakingChange> changes =
        CompatibilityCheck.breakingChanges(NAME, current, List.of(v1), level);

    // then
    assertThat(changes)
        .singleElement()
        .satisfies(
            change -> {
              assertThat(change.field()).isEqualTo("note");
              assertThat(change.type())
                  .isEqualTo(SchemaIncompatibilityType.READER_FIELD_MISSING_DEFAULT_VALUE);
              assertThat(change.message())
                  .isEqualTo(
                      "test.Sample breaks v1 under "
                          + level
                          + ": field 'note' is not in v1 and has no default in the current schema,"
                          + " so the current schema cannot read data written with v1"
                          + " (reader field missing default value)");
            });
  }

  @ParameterizedTest
  @EnumSource(
      value = CompatibilityLevel.class,
      names = {"FORWARD", "FORWARD_TRANSITIVE", "NONE"})
  void shouldAcceptAFieldAddedWithoutADefaultWhenOnlyOldReadersMatter(CompatibilityLevel level) {
    Schema v1 = record("{\"name\": \"id\", \"type\": \"string\"}");
    Schema current =
        record(
            "{\"name\": \"id\", \"type\": \"string\"}",
            "{\"name\": \"note\", \"type\": \"string\"}");

    assertThat(CompatibilityCheck.breakingChanges(NAME, current, List.of(v1), level)).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(
      value = CompatibilityLevel.class,
      names = {"FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"})
  void shouldRejectAFieldRemovedWithoutADefaultWhenOldReadersMustReadNewData(
      CompatibilityLevel level) {
    // given
    Schema v1 =
        record(
            "{\"name\": \"id\", \"type\": \"string\"}",
            "{\"name\": \"email\", \"type\": \"string\"}");
    Schema current = record("{\"name\": \"id\", \"type\": \"string\"}");

    // when
    List<BreakingChange> changes =
        CompatibilityCheck.breakingChanges(NAME, current, List.of(v1), level);

    // then
    assertThat(changes)
        .singleElement()
        .satisfies(
            change -> {
              assertThat(change.field()).isEqualTo("email");
              assertThat(change.message())
                  .contains(
                      "field 'email' is not in the current schema and has no default in v1,"
                          + " so v1 cannot read data written with the current schema");
            });
  }

  @ParameterizedTest
  @EnumSource(
      value = CompatibilityLevel.class,
      names = {"BACKWARD", "BACKWARD_TRANSITIVE", "NONE"})
  void shouldAcceptAFieldRemovedWithoutADefaultWhenOnlyTheNewSchemaReads(CompatibilityLevel level) {
    Schema v1 =
        record(
            "{\"name\": \"id\", \"type\": \"string\"}",
            "{\"name\": \"email\", \"type\": \"string\"}");
    Schema current = record("{\"name\": \"id\", \"type\": \"string\"}");

    assertThat(CompatibilityCheck.breakingChanges(NAME, current, List.of(v1), level)).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(value = CompatibilityLevel.class, mode = EnumSource.Mode.EXCLUDE, names = "NONE")
  void shouldRejectAChangedFieldType(CompatibilityLevel level) {
    // given
    Schema v1 = record("{\"name\": \"quantity\", \"type\": \"int\"}");
    Schema current = record("{\"name\": \"quantity\", \"type\": \"string\"}");

    // when
    List<BreakingChange> changes =
        CompatibilityCheck.breakingChanges(NAME, current, List.of(v1), level);

    // then
    assertThat(changes)
        .isNotEmpty()
        .allSatisfy(
            change -> {
              assertThat(change.field()).isEqualTo("quantity");
              assertThat(change.type()).isEqualTo(SchemaIncompatibilityType.TYPE_MISMATCH);
            });
    if (level.newReadsOld()) {
      assertThat(changes)
          .extracting(BreakingChange::detail)
          .contains(
              "field 'quantity' is written by v1 as int, which the current schema cannot read as"
                  + " string");
    }
  }

  @Test
  void shouldAcceptAnyChangeUnderNone() {
    Schema v1 = record("{\"name\": \"quantity\", \"type\": \"int\"}");
    Schema current = record("{\"name\": \"amount\", \"type\": \"bytes\"}");

    assertThat(
            CompatibilityCheck.breakingChanges(NAME, current, List.of(v1), CompatibilityLevel.NONE))
        .isEmpty();
  }

  @Test
  void shouldAcceptAFirstVersionThatWasNeverReleased() {
    Schema current = record("{\"name\": \"id\", \"type\": \"string\"}");

    assertThat(
            CompatibilityCheck.breakingChanges(
                NAME, current, List.of(), CompatibilityLevel.FULL_TRANSITIVE))
        .isEmpty();
  }

  @ParameterizedTest
  @EnumSource(CompatibilityLevel.class)
  void shouldCheckOldDataAgainstEveryReleasedVersionOnlyUnderTransitiveLevels(
      CompatibilityLevel level) {
    // given: a default is added (v2), then dropped (v3), so v3 cannot read what v1 wrote
    Schema v1 = record("{\"name\": \"id\", \"type\": \"string\"}");
    Schema v2 =
        record(
            "{\"name\": \"id\", \"type\": \"string\"}",
            "{\"name\": \"quantity\", \"type\": \"int\", \"default\": 1}");
    Schema v3 =
        record(
            "{\"name\": \"id\", \"type\": \"string\"}",
            "{\"name\": \"quantity\", \"type\": \"int\"}");

    // when
    List<BreakingChange> changes =
        CompatibilityCheck.breakingChanges(NAME, v3, List.of(v1, v2), level);

    // then
    if (level == CompatibilityLevel.BACKWARD_TRANSITIVE
        || level == CompatibilityLevel.FULL_TRANSITIVE) {
      assertThat(changes)
          .singleElement()
          .satisfies(
              change -> {
                assertThat(change.version()).isEqualTo(1);
                assertThat(change.field()).isEqualTo("quantity");
              });
    } else {
      assertThat(changes).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(CompatibilityLevel.class)
  void shouldCheckNewDataAgainstEveryReleasedVersionOnlyUnderTransitiveLevels(
      CompatibilityLevel level) {
    // given: a field gets a default (v2), then goes (v3), which v1 readers cannot do without
    Schema v1 =
        record(
            "{\"name\": \"id\", \"type\": \"string\"}",
            "{\"name\": \"quantity\", \"type\": \"int\"}");
    Schema v2 =
        record(
            "{\"name\": \"id\", \"type\": \"string\"}",
            "{\"name\": \"quantity\", \"type\": \"int\", \"default\": 1}");
    Schema v3 = record("{\"name\": \"id\", \"type\": \"string\"}");

    // when
    List<BreakingChange> changes =
        CompatibilityCheck.breakingChanges(NAME, v3, List.of(v1, v2), level);

    // then
    if (level == CompatibilityLevel.FORWARD_TRANSITIVE
        || level == CompatibilityLevel.FULL_TRANSITIVE) {
      assertThat(changes)
          .singleElement()
          .satisfies(
              change -> {
                assertThat(change.version()).isEqualTo(1);
                assertThat(change.field()).isEqualTo("quantity");
              });
    } else {
      assertThat(changes).isEmpty();
    }
  }

  @Test
  void shouldNameTheFieldInsideANestedRecord() {
    // given
    Schema v1 = record("{\"name\": \"address\", \"type\": " + address("") + "}");
    Schema current =
        record(
            "{\"name\": \"address\", \"type\": "
                + address(", {\"name\": \"region\", \"type\": \"string\"}")
                + "}");

    // when
    List<BreakingChange> changes =
        CompatibilityCheck.breakingChanges(NAME, current, List.of(v1), CompatibilityLevel.FULL);

    // then
    assertThat(changes).extracting(BreakingChange::field).containsExactly("address.region");
  }

  @Test
  void shouldNameTheFieldInsideAnOptionalRecord() {
    // given
    Schema v1 =
        record(
            "{\"name\": \"shippingAddress\", \"type\": [\"null\", "
                + address("")
                + "], \"default\": null}");
    Schema current =
        record(
            "{\"name\": \"shippingAddress\", \"type\": [\"null\", "
                + address(", {\"name\": \"region\", \"type\": \"string\"}")
                + "], \"default\": null}");

    // when
    List<BreakingChange> changes =
        CompatibilityCheck.breakingChanges(NAME, current, List.of(v1), CompatibilityLevel.FULL);

    // then
    assertThat(changes)
        .singleElement()
        .satisfies(
            change -> {
              assertThat(change.field()).isEqualTo("shippingAddress.region");
              assertThat(change.type())
                  .isEqualTo(SchemaIncompatibilityType.READER_FIELD_MISSING_DEFAULT_VALUE);
            });
  }

  @Test
  void shouldNameTheFieldInsideArrayItems() {
    // given
    Schema v1 =
        record(
            "{\"name\": \"lines\", \"type\": {\"type\": \"array\", \"items\": "
                + line("int")
                + "}}");
    Schema current =
        record(
            "{\"name\": \"lines\", \"type\": {\"type\": \"array\", \"items\": "
                + line("string")
                + "}}");

    // when
    List<BreakingChange> changes =
        CompatibilityCheck.breakingChanges(NAME, current, List.of(v1), CompatibilityLevel.BACKWARD);

    // then
    assertThat(changes)
        .extracting(BreakingChange::detail)
        .containsExactly(
            "field 'lines[].quantity' is written by v1 as int, which the current schema cannot"
                + " read as string");
  }

  @Test
  void shouldRejectANewEnumSymbolThatOldReadersDoNotKnow() {
    // given
    Schema v1 =
        record(
            "{\"name\": \"addressType\", \"type\": [\"null\", "
                + addressType("\"HOME\"")
                + "], \"default\": null}");
    Schema current =
        record(
            "{\"name\": \"addressType\", \"type\": [\"null\", "
                + addressType("\"HOME\", \"WORK\"")
                + "], \"default\": null}");

    // when
    List<BreakingChange> changes =
        CompatibilityCheck.breakingChanges(NAME, current, List.of(v1), CompatibilityLevel.FORWARD);

    // then
    assertThat(changes)
        .extracting(BreakingChange::message)
        .containsExactly(
            "test.Sample breaks v1 under FORWARD: field 'addressType' can hold symbols [WORK] in the"
                + " current schema, which v1 does not know and has no enum default for"
                + " (missing enum symbols)");
  }

  @Test
  void shouldNameTheEnumItselfWhenItIsTheSchemaChecked() {
    Schema v1 = SchemaParser.parseSingle(addressType("\"HOME\""));
    Schema current = SchemaParser.parseSingle(addressType("\"HOME\", \"WORK\""));

    List<BreakingChange> changes =
        CompatibilityCheck.breakingChanges(
            "AddressType", current, List.of(v1), CompatibilityLevel.FULL_TRANSITIVE);

    assertThat(changes)
        .extracting(BreakingChange::detail)
        .containsExactly(
            "the enum can hold symbols [WORK] in the current schema, which v1 does not know and has"
                + " no enum default for");
  }

  @Test
  void shouldRejectARenamedTypeWithoutAnAlias() {
    // given
    Schema v1 = record("{\"name\": \"address\", \"type\": " + address("") + "}");
    Schema current =
        record(
            "{\"name\": \"address\", \"type\": "
                + address("").replace("\"Address\"", "\"PostalAddress\"")
                + "}");

    // when
    List<BreakingChange> changes =
        CompatibilityCheck.breakingChanges(NAME, current, List.of(v1), CompatibilityLevel.BACKWARD);

    // then
    assertThat(changes)
        .extracting(BreakingChange::detail)
        .containsExactly(
            "field 'address' is test.Address in v1 but test.PostalAddress in the current"
                + " schema, which has no alias for the old name");
  }

  @Test
  void shouldReportANewUnionBranchThatOldReadersDoNotAccept() {
    // given
    Schema v1 = record("{\"name\": \"note\", \"type\": [\"null\", \"string\"], \"default\": null}");
    Schema current =
        record(
            "{\"name\": \"note\", \"type\": [\"null\", \"string\", \"int\"], \"default\": null}");

    // when
    List<BreakingChange> changes =
        CompatibilityCheck.breakingChanges(NAME, current, List.of(v1), CompatibilityLevel.FULL);

    // then
    assertThat(changes)
        .extracting(BreakingChange::detail)
        .containsExactly(
            "field 'note' can hold a value of type int in the current schema, which v1 does not"
                + " accept");
  }

  private static Schema record(String... fields) {
    return SchemaParser.parseSingle(
        "{\"type\": \"record\", \"name\": \"Sample\", \"namespace\": \"test\", \"fields\": ["
            + String.join(", ", fields)
            + "]}");
  }

  private static String address(String moreFields) {
    return "{\"type\": \"record\", \"name\": \"Address\", \"fields\": ["
        + "{\"name\": \"city\", \"type\": \"string\"}"
        + moreFields
        + "]}";
  }

  private static String line(String quantityType) {
    return "{\"type\": \"record\", \"name\": \"Line\", \"fields\": [{\"name\": \"quantity\","
        + " \"type\": \""
        + quantityType
        + "\"}]}";
  }

  private static String addressType(String symbols) {
    return "{\"type\": \"enum\", \"name\": \"AddressType\", \"symbols\": [" + symbols + "]}";
  }
}
