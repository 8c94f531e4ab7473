package io.tideway.schemas.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import io.tideway.schemas.client.RegistryEvent.CompatibilityCleared;
import io.tideway.schemas.client.RegistryEvent.CompatibilitySet;
import io.tideway.schemas.client.RegistryEvent.IdTaken;
import io.tideway.schemas.client.RegistryEvent.ModeCleared;
import io.tideway.schemas.client.RegistryEvent.ModeSet;
import io.tideway.schemas.client.RegistryEvent.SchemaRegistered;
import io.tideway.schemas.client.RegistryEvent.SubjectDeleted;
import io.tideway.schemas.client.RegistryEvent.VersionDeleted;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RegistryStateTest {

  private static final String ORDER_V1 =
      """
      {"type":"record","name":"Order","namespace":"io.tideway.test","fields":[
        {"name":"id","type":"string"},
        {"name":"amount","type":"int"}]}
      """;

  private static final String PAYMENT =
      """
      {"type":"record","name":"Payment","fields":[{"name":"id","type":"string"}]}
      """;

  private final RegistryState state = new RegistryState();

  /** Plans a registration and applies it, as the in-memory registry does. */
  private RegistryState.Registration register(String subject, String schema) {
    RegistryState.Registration plan = state.planRegistration(subject, schema);
    plan.events().forEach(state::apply);
    return plan;
  }

  private static String order(String extraFields) {
    return """
        {"type":"record","name":"Order","namespace":"io.tideway.test","fields":[
          %s]}
        """
        .formatted(extraFields);
  }

  private static RegistryException registryError(Runnable call) {
    return catchThrowableOfType(RegistryException.class, call::run);
  }

  @Nested
  class Registering {

    @Test
    void shouldGiveTheSameIdAndVersionWhenTheSameSchemaIsRegisteredTwice() {
      // given
      RegistryState.Registration first = register("orders-value", ORDER_V1);

      // when
      RegistryState.Registration second = register("orders-value", ORDER_V1);

      // then
      assertThat(first.id()).isEqualTo(1);
      assertThat(first.version()).isEqualTo(1);
      assertThat(second.id()).isEqualTo(first.id());
      assertThat(second.version()).isEqualTo(1);
      assertThat(second.events()).isEmpty();
      assertThat(state.versions("orders-value", false)).containsExactly(1);
    }

    @Test
    void shouldReuseTheIdAndStartAtVersionOneWhenTheSchemaIsRegisteredUnderAnotherSubject() {
      // given
      register("payments-value", PAYMENT);
      RegistryState.Registration inOrders = register("orders-value", ORDER_V1);

      // when
      RegistryState.Registration inArchive = register("archive-value", ORDER_V1);

      // then
      assertThat(inArchive.id()).isEqualTo(inOrders.id()).isEqualTo(2);
      assertThat(inArchive.version()).isEqualTo(1);
      assertThat(state.versionsOf(2))
          .extracting(SchemaVersion::subject)
          .containsExactlyInAnyOrder("orders-value", "archive-value");
    }

    @Test
    void shouldTreatSchemasThatDifferOnlyInWhitespaceAsTheSame() {
      // given
      RegistryState.Registration compact = register("orders-value", ORDER_V1);
      String spread = ORDER_V1.replace(",", " ,\n\t ").replace(":", " : ");

      // when
      RegistryState.Registration again = register("orders-value", spread);

      // then
      assertThat(again.id()).isEqualTo(compact.id());
      assertThat(again.version()).isEqualTo(1);
      assertThat(state.lookup("orders-value", spread, false).id()).isEqualTo(compact.id());
      assertThat(state.schemaById(compact.id())).isEqualTo(RegistryState.canonical(ORDER_V1));
    }

    @Test
    void shouldGiveANewIdAndTheNextVersionToAChangedSchema() {
      // given
      register("orders-value", ORDER_V1);

      // when
      RegistryState.Registration v2 =
          register(
              "orders-value",
              order(
                  """
                  {"name":"id","type":"string"},{"name":"amount","type":"int"},
                  {"name":"note","type":"string","default":""}"""));

      // then
      assertThat(v2.id()).isEqualTo(2);
      assertThat(v2.version()).isEqualTo(2);
      assertThat(state.version("orders-value", "latest", false).id()).isEqualTo(2);
      assertThat(state.version("orders-value", "-1", false).version()).isEqualTo(2);
      assertThat(state.version("orders-value", "1", false).id()).isEqualTo(1);
    }

    @Test
    void shouldRefuseAnInvalidSchemaWith42201() {
      for (String invalid :
          List.of(
              "not json",
              "{\"type\":\"record\",\"fields\":[]}",
              // an undefined type name and an invalid default: Avro throws other exceptions
              "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"nope\"}]}",
              "{\"type\":\"record\",\"name\":\"R\",\"fields\":"
                  + "[{\"name\":\"a\",\"type\":\"int\",\"default\":\"x\"}]}",
              "[\"int\",\"int\"]",
              "")) {
        // when
        RegistryException e = registryError(() -> state.planRegistration("s", invalid));

        // then
        assertThat(e).as(invalid).isNotNull();
        assertThat(e.errorCode()).as(invalid).isEqualTo(RegistryException.INVALID_SCHEMA);
        assertThat(e.httpStatus()).isEqualTo(422);
      }
    }
  }

  @Nested
  class Compatibility {

    private static final String ID = "{\"name\":\"id\",\"type\":\"string\"}";
    private static final String AMOUNT_INT = "{\"name\":\"amount\",\"type\":\"int\"}";

    /** The first and second schema of each kind of evolution. */
    private String[] evolution(String kind) {
      return switch (kind) {
        case "ADD_FIELD_WITH_DEFAULT" ->
            new String[] {
              order(ID), order(ID + ",{\"name\":\"note\",\"type\":\"string\",\"default\":\"\"}")
            };
        case "ADD_FIELD_WITHOUT_DEFAULT" ->
            new String[] {order(ID), order(ID + ",{\"name\":\"note\",\"type\":\"string\"}")};
        case "REMOVE_FIELD_WITHOUT_DEFAULT" ->
            new String[] {order(ID + "," + AMOUNT_INT), order(ID)};
        case "REMOVE_FIELD_WITH_DEFAULT" ->
            new String[] {
              order(ID + ",{\"name\":\"amount\",\"type\":\"int\",\"default\":0}"), order(ID)
            };
        case "WIDEN_INT_TO_LONG" ->
            new String[] {
              order(ID + "," + AMOUNT_INT), order(ID + ",{\"name\":\"amount\",\"type\":\"long\"}")
            };
        case "CHANGE_INT_TO_STRING" ->
            new String[] {
              order(ID + "," + AMOUNT_INT), order(ID + ",{\"name\":\"amount\",\"type\":\"string\"}")
            };
        case "CHANGE_DECIMAL_SCALE" ->
            new String[] {order(ID + "," + decimal(12, 2)), order(ID + "," + decimal(12, 3))};
        case "CHANGE_TIMESTAMP_UNIT" ->
            new String[] {
              order(ID + "," + timestamp("timestamp-millis")),
              order(ID + "," + timestamp("timestamp-micros"))
            };
        case "CHANGE_OPTIONAL_TIMESTAMP_UNIT" ->
            new String[] {
              order(ID + "," + optional(timestamp("timestamp-millis"))),
              order(ID + "," + optional(timestamp("timestamp-micros")))
            };
        default -> throw new IllegalArgumentException(kind);
      };
    }

    private static String decimal(int precision, int scale) {
      return "{\"name\":\"amount\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\","
          + "\"precision\":"
          + precision
          + ",\"scale\":"
          + scale
          + "}}";
    }

    private static String timestamp(String unit) {
      return "{\"name\":\"at\",\"type\":{\"type\":\"long\",\"logicalType\":\"" + unit + "\"}}";
    }

    /** The field made optional: a union of null and its type, null by default. */
    private static String optional(String field) {
      int type = field.indexOf("\"type\":");
      return field.substring(0, type)
          + "\"type\":[\"null\","
          + field.substring(type + 7, field.length() - 1)
          + "],\"default\":null}";
    }

    @ParameterizedTest(name = "{0} under {1}: accepted={2}")
    @CsvSource({
      "ADD_FIELD_WITH_DEFAULT,       NONE,                true",
      "ADD_FIELD_WITH_DEFAULT,       BACKWARD,            true",
      "ADD_FIELD_WITH_DEFAULT,       BACKWARD_TRANSITIVE, true",
      "ADD_FIELD_WITH_DEFAULT,       FORWARD,             true",
      "ADD_FIELD_WITH_DEFAULT,       FORWARD_TRANSITIVE,  true",
      "ADD_FIELD_WITH_DEFAULT,       FULL,                true",
      "ADD_FIELD_WITH_DEFAULT,       FULL_TRANSITIVE,     true",
      "ADD_FIELD_WITHOUT_DEFAULT,    NONE,                true",
      "ADD_FIELD_WITHOUT_DEFAULT,    BACKWARD,            false",
      "ADD_FIELD_WITHOUT_DEFAULT,    BACKWARD_TRANSITIVE, false",
      "ADD_FIELD_WITHOUT_DEFAULT,    FORWARD,             true",
      "ADD_FIELD_WITHOUT_DEFAULT,    FORWARD_TRANSITIVE,  true",
      "ADD_FIELD_WITHOUT_DEFAULT,    FULL,                false",
      "ADD_FIELD_WITHOUT_DEFAULT,    FULL_TRANSITIVE,     false",
      "REMOVE_FIELD_WITHOUT_DEFAULT, NONE,                true",
      "REMOVE_FIELD_WITHOUT_DEFAULT, BACKWARD,            true",
      "REMOVE_FIELD_WITHOUT_DEFAULT, BACKWARD_TRANSITIVE, true",
      "REMOVE_FIELD_WITHOUT_DEFAULT, FORWARD,             false",
      "REMOVE_FIELD_WITHOUT_DEFAULT, FORWARD_TRANSITIVE,  false",
      "REMOVE_FIELD_WITHOUT_DEFAULT, FULL,                false",
      "REMOVE_FIELD_WITHOUT_DEFAULT, FULL_TRANSITIVE,     false",
      "REMOVE_FIELD_WITH_DEFAULT,    BACKWARD,            true",
      "REMOVE_FIELD_WITH_DEFAULT,    FORWARD,             true",
      "REMOVE_FIELD_WITH_DEFAULT,    FULL,                true",
      "WIDEN_INT_TO_LONG,            BACKWARD,            true",
      "WIDEN_INT_TO_LONG,            FORWARD,             false",
      "WIDEN_INT_TO_LONG,            FULL,                false",
      "CHANGE_INT_TO_STRING,         NONE,                true",
      "CHANGE_INT_TO_STRING,         BACKWARD,            false",
      "CHANGE_INT_TO_STRING,         FORWARD,             false",
      "CHANGE_INT_TO_STRING,         FULL,                false",
      // Avro's check leaves logical types out: these pass it, and every value would read wrong.
      "CHANGE_DECIMAL_SCALE,           NONE,                true",
      "CHANGE_DECIMAL_SCALE,           BACKWARD,            false",
      "CHANGE_DECIMAL_SCALE,           FORWARD,             false",
      "CHANGE_DECIMAL_SCALE,           FULL_TRANSITIVE,     false",
      "CHANGE_TIMESTAMP_UNIT,          BACKWARD,            false",
      "CHANGE_OPTIONAL_TIMESTAMP_UNIT, BACKWARD,            false",
    })
    void shouldAcceptOrRefuseEachEvolutionAsItsLevelSays(
        String kind, CompatibilityLevel level, boolean accepted) {
      // given
      String[] schemas = evolution(kind);
      state.apply(new CompatibilitySet("orders-value", level));
      register("orders-value", schemas[0]);

      // when
      List<String> problems = state.checkCompatibility("orders-value", "latest", schemas[1]);
      RegistryException refusal = registryError(() -> register("orders-value", schemas[1]));

      // then
      assertThat(problems.isEmpty()).as("check: %s", problems).isEqualTo(accepted);
      if (accepted) {
        assertThat(refusal).isNull();
        assertThat(state.versions("orders-value", false)).containsExactly(1, 2);
      } else {
        assertThat(refusal).isNotNull();
        assertThat(refusal.httpStatus()).isEqualTo(409);
        assertThat(refusal.errorCode()).isEqualTo(RegistryException.INCOMPATIBLE_SCHEMA);
        assertThat(state.versions("orders-value", false)).containsExactly(1);
      }
    }

    @Test
    void shouldNameTheFieldInTheRefusal() {
      // given the default level, BACKWARD
      register("orders-value", order(ID));

      // when a field without a default is added
      RegistryException e =
          registryError(
              () -> register("orders-value", order(ID + ",{\"name\":\"total\",\"type\":\"int\"}")));

      // then
      assertThat(e.errorCode()).isEqualTo(409);
      assertThat(e.getMessage())
          .contains("orders-value")
          .contains("BACKWARD")
          .contains("READER_FIELD_MISSING_DEFAULT_VALUE")
          .contains("total");
    }

    @Test
    void shouldCatchABreakAgainstAnOlderVersionOnlyUnderTheTransitiveLevel() {
      // given v1 {id, a:int}, v2 {id} and a v3 {id, a:string} that only v1 contradicts
      String v1 = order(ID + ",{\"name\":\"a\",\"type\":\"int\"}");
      String v2 = order(ID);
      String v3 = order(ID + ",{\"name\":\"a\",\"type\":\"string\",\"default\":\"\"}");
      for (String subject : List.of("plain", "transitive")) {
        register(subject, v1);
        register(subject, v2);
      }
      state.apply(new CompatibilitySet("transitive", CompatibilityLevel.BACKWARD_TRANSITIVE));

      // when
      RegistryState.Registration plain = register("plain", v3);
      RegistryException transitive = registryError(() -> register("transitive", v3));

      // then
      assertThat(plain.version()).isEqualTo(3);
      assertThat(transitive.errorCode()).isEqualTo(409);
      assertThat(transitive.getMessage()).contains("version 1").contains("BACKWARD_TRANSITIVE");
    }

    @Test
    void shouldApplyTheGlobalLevelUnlessTheSubjectHasItsOwn() {
      // given
      assertThat(state.effectiveLevel("orders-value")).isEqualTo(CompatibilityLevel.BACKWARD);

      // when
      state.apply(new CompatibilitySet(null, CompatibilityLevel.FULL));
      state.apply(new CompatibilitySet("orders-value", CompatibilityLevel.NONE));

      // then
      assertThat(state.globalLevel()).isEqualTo(CompatibilityLevel.FULL);
      assertThat(state.effectiveLevel("orders-value")).isEqualTo(CompatibilityLevel.NONE);
      assertThat(state.effectiveLevel("payments-value")).isEqualTo(CompatibilityLevel.FULL);

      // when the subject's own level is cleared
      state.apply(new CompatibilityCleared("orders-value"));

      // then
      assertThat(state.effectiveLevel("orders-value")).isEqualTo(CompatibilityLevel.FULL);
      assertThat(state.subjectLevel("orders-value")).isEmpty();

      // when the global one is cleared
      state.apply(new CompatibilityCleared(null));

      // then
      assertThat(state.globalLevel()).isEqualTo(RegistryState.DEFAULT_LEVEL);
      assertThat(state.effectiveLevel("orders-value")).isEqualTo(RegistryState.DEFAULT_LEVEL);
    }

    @Test
    void shouldFindAnySchemaCompatibleWithASubjectWithoutVersions() {
      assertThat(state.checkCompatibility("new-subject", "latest", ORDER_V1)).isEmpty();
      assertThat(state.checkCompatibility("new-subject", null, ORDER_V1)).isEmpty();
    }

    @Test
    void shouldFindAnySchemaCompatibleWithASubjectWhoseVersionsAreAllSoftDeleted() {
      register("orders-value", order("{\"name\":\"id\",\"type\":\"string\"}"));
      state.planSubjectDeletion("orders-value", false).forEach(state::apply);
      String incompatible = order("{\"name\":\"id\",\"type\":\"long\"}");

      assertThat(state.checkCompatibility("orders-value", "latest", incompatible)).isEmpty();
      assertThat(state.checkCompatibility("orders-value", null, incompatible)).isEmpty();
    }

    @Test
    void shouldRefuseAVersionThatCannotBeOneBeforeLookingForTheSubject() {
      assertThat(
              registryError(() -> state.checkCompatibility("new-subject", "abc", ORDER_V1))
                  .errorCode())
          .isEqualTo(42202);
    }

    @Test
    void shouldCheckOneVersionForLatestButEveryCoveredVersionWithoutOne() {
      // given v1 without 'note', v2 adding it with a default, under BACKWARD_TRANSITIVE
      state.apply(new CompatibilitySet("orders-value", CompatibilityLevel.BACKWARD_TRANSITIVE));
      register("orders-value", order("{\"name\":\"id\",\"type\":\"string\"}"));
      register(
          "orders-value",
          order(
              "{\"name\":\"id\",\"type\":\"string\"},"
                  + "{\"name\":\"note\",\"type\":\"string\",\"default\":\"\"}"));
      // a v3 whose 'note' has no default: v2 data can be read, v1 data cannot
      String v3 =
          order(
              "{\"name\":\"id\",\"type\":\"string\"}," + "{\"name\":\"note\",\"type\":\"string\"}");

      // when / then: against the latest version only, as Confluent's /versions/latest does
      assertThat(state.checkCompatibility("orders-value", "latest", v3)).isEmpty();
      // as registration checks, as Confluent's /versions without a version does
      assertThat(state.checkCompatibility("orders-value", null, v3))
          .singleElement()
          .asString()
          .contains("note")
          .contains("version 1");
    }

    @Test
    void shouldRefuseAnUnknownLevelWith42203() {
      // when
      RegistryException e = registryError(() -> CompatibilityLevel.parse("SIDEWAYS"));

      // then
      assertThat(e.errorCode()).isEqualTo(RegistryException.INVALID_COMPATIBILITY_LEVEL);
      assertThat(e.httpStatus()).isEqualTo(422);
      assertThat(e.getMessage()).contains("SIDEWAYS");
      assertThat(CompatibilityLevel.parse(" full_transitive "))
          .isEqualTo(CompatibilityLevel.FULL_TRANSITIVE);
    }
  }

  @Nested
  class Lookups {

    @Test
    void shouldAnswer40401ForAnUnknownSubject() {
      assertThat(registryError(() -> state.versions("nope", false)).errorCode()).isEqualTo(40401);
      assertThat(registryError(() -> state.version("nope", "latest", false)).errorCode())
          .isEqualTo(40401);
      assertThat(registryError(() -> state.lookup("nope", ORDER_V1, false)).errorCode())
          .isEqualTo(40401);
      assertThat(registryError(() -> state.planSubjectDeletion("nope", false)).errorCode())
          .isEqualTo(40401);
    }

    @Test
    void shouldAnswer40402ForAnUnknownVersion() {
      // given
      register("orders-value", ORDER_V1);

      // when
      RegistryException e = registryError(() -> state.version("orders-value", "7", false));

      // then
      assertThat(e.errorCode()).isEqualTo(RegistryException.VERSION_NOT_FOUND);
      assertThat(e.httpStatus()).isEqualTo(404);
      assertThat(e.getMessage()).contains("7").contains("orders-value");
    }

    @Test
    void shouldAnswer40403ForAnUnknownIdOrASchemaNotUnderTheSubject() {
      // given
      register("orders-value", ORDER_V1);

      // when / then
      assertThat(registryError(() -> state.schemaById(99)).errorCode()).isEqualTo(40403);
      assertThat(registryError(() -> state.versionsOf(99)).errorCode()).isEqualTo(40403);
      assertThat(registryError(() -> state.lookup("orders-value", PAYMENT, false)).errorCode())
          .isEqualTo(40403);
    }

    @Test
    void shouldRefuseAVersionThatIsNotAPositiveNumberOrLatestWith42202() {
      // given
      register("orders-value", ORDER_V1);

      for (String bad : List.of("0", "-2", "abc", "1.5", "")) {
        // when
        RegistryException e = registryError(() -> state.version("orders-value", bad, false));

        // then
        assertThat(e.errorCode()).as(bad).isEqualTo(RegistryException.INVALID_VERSION);
        assertThat(e.httpStatus()).isEqualTo(422);
      }
      // Before the subject is looked up, as Confluent's registry does.
      assertThat(registryError(() -> state.version("no-such-value", "abc", false)).errorCode())
          .isEqualTo(RegistryException.INVALID_VERSION);
    }

    @Test
    void shouldListSubjectsSorted() {
      // given
      register("payments-value", PAYMENT);
      register("orders-value", ORDER_V1);

      // then
      assertThat(state.subjects(false)).containsExactly("orders-value", "payments-value");
    }
  }

  @Nested
  class Deleting {

    /** Versions 1 and 2 of {@code orders-value}. */
    private void registerTwoVersions() {
      register("orders-value", order("{\"name\":\"id\",\"type\":\"string\"}"));
      register(
          "orders-value",
          order(
              "{\"name\":\"id\",\"type\":\"string\"},"
                  + "{\"name\":\"n\",\"type\":\"int\",\"default\":0}"));
    }

    @Test
    void shouldHideASoftDeletedSubjectButShowItWhenAskedForDeletedOnes() {
      // given
      int id = register("orders-value", ORDER_V1).id();

      // when
      List<RegistryEvent> events = state.planSubjectDeletion("orders-value", false);
      events.forEach(state::apply);

      // then
      assertThat(events).containsExactly(new VersionDeleted("orders-value", 1, false));
      assertThat(state.subjects(false)).doesNotContain("orders-value");
      assertThat(state.subjects(true)).contains("orders-value");
      assertThat(registryError(() -> state.versions("orders-value", false)).errorCode())
          .isEqualTo(40401);
      assertThat(state.versions("orders-value", true)).containsExactly(1);
      assertThat(state.version("orders-value", "1", true).deleted()).isTrue();
      assertThat(state.schemaById(id)).isEqualTo(RegistryState.canonical(ORDER_V1));
      assertThat(state.versionsOf(id)).isEmpty();
      assertThat(state.versionsOf(id, true))
          .extracting(SchemaVersion::subject, SchemaVersion::version)
          .containsExactly(tuple("orders-value", 1));
    }

    @Test
    void shouldKeepTheSubjectsOwnLevelThroughASoftDeleteAndTakeItWithThePermanentOne() {
      // given
      register("orders-value", ORDER_V1);
      state.apply(new CompatibilitySet("orders-value", CompatibilityLevel.NONE));

      // when
      List<RegistryEvent> soft = state.planSubjectDeletion("orders-value", false);
      soft.forEach(state::apply);

      // then: as Confluent's registry since 8.1
      assertThat(soft).containsExactly(new VersionDeleted("orders-value", 1, false));
      assertThat(state.subjectLevel("orders-value")).contains(CompatibilityLevel.NONE);

      // when
      List<RegistryEvent> permanent = state.planSubjectDeletion("orders-value", true);
      permanent.forEach(state::apply);

      // then
      assertThat(permanent)
          .containsExactly(
              new VersionDeleted("orders-value", 1, true),
              new CompatibilityCleared("orders-value"));
      assertThat(RegistryState.versionsDeleted(permanent)).containsExactly(1);
      assertThat(state.subjectLevel("orders-value")).isEmpty();
    }

    @Test
    void shouldTakeTheSubjectsOwnLevelWithThePermanentDeleteOfItsLastVersionOnly() {
      // given: two versions, both soft-deleted, and a level of the subject's own
      registerTwoVersions();
      state.apply(new CompatibilitySet("orders-value", CompatibilityLevel.FULL));
      state.planSubjectDeletion("orders-value", false).forEach(state::apply);

      // when, then: the first permanent delete leaves a version, and the level
      List<RegistryEvent> first = state.planVersionDeletion("orders-value", "1", true);
      first.forEach(state::apply);
      assertThat(first).containsExactly(new VersionDeleted("orders-value", 1, true));
      assertThat(state.subjectLevel("orders-value")).contains(CompatibilityLevel.FULL);

      // when, then: the last one takes the level too
      List<RegistryEvent> last = state.planVersionDeletion("orders-value", "2", true);
      last.forEach(state::apply);
      assertThat(last)
          .containsExactly(
              new VersionDeleted("orders-value", 2, true),
              new CompatibilityCleared("orders-value"));
      assertThat(state.subjectLevel("orders-value")).isEmpty();
    }

    @Test
    void shouldSoftDeleteEveryVersionUpToTheOneConfluentsSubjectDeleteNames() {
      // given
      registerTwoVersions();

      // when: Confluent's record of a soft delete of the subject when it had one version
      state.apply(new SubjectDeleted("orders-value", 1));

      // then
      assertThat(state.versions("orders-value", false)).containsExactly(2);
      assertThat(state.version("orders-value", "1", true).deleted()).isTrue();

      // when: and of its soft delete once it had two
      state.apply(new SubjectDeleted("orders-value", 2));

      // then
      assertThat(state.versions("orders-value", true)).containsExactly(1, 2);
      assertThat(registryError(() -> state.versions("orders-value", false)).errorCode())
          .isEqualTo(40401);
    }

    @Test
    void shouldRefuseASecondSoftDeleteWith40404() {
      // given
      register("orders-value", ORDER_V1);
      state.planSubjectDeletion("orders-value", false).forEach(state::apply);

      // when
      RegistryException e = registryError(() -> state.planSubjectDeletion("orders-value", false));

      // then
      assertThat(e.errorCode()).isEqualTo(RegistryException.SUBJECT_SOFT_DELETED);
    }

    @Test
    void shouldRefuseASecondSoftDeleteOfAVersionWith40406() {
      // given
      register("orders-value", ORDER_V1);
      state.planVersionDeletion("orders-value", "1", false).forEach(state::apply);

      // when
      RegistryException e =
          registryError(() -> state.planVersionDeletion("orders-value", "1", false));

      // then: Confluent's code and wording, and a permanent delete still goes through
      assertThat(e.errorCode()).isEqualTo(RegistryException.VERSION_SOFT_DELETED);
      assertThat(e.getMessage())
          .isEqualTo(
              "Subject 'orders-value' Version 1 was soft deleted.Set permanent=true to delete"
                  + " permanently");
      assertThat(state.planVersionDeletion("orders-value", "1", true))
          .containsExactly(new VersionDeleted("orders-value", 1, true));
    }

    @Test
    void shouldDeletePermanentlyOnlyAfterASoftDelete() {
      // given
      register("orders-value", ORDER_V1);

      // when / then: subject and version both refuse a permanent delete first
      assertThat(registryError(() -> state.planSubjectDeletion("orders-value", true)).errorCode())
          .isEqualTo(RegistryException.SUBJECT_NOT_SOFT_DELETED);
      assertThat(
              registryError(() -> state.planVersionDeletion("orders-value", "1", true)).errorCode())
          .isEqualTo(RegistryException.VERSION_NOT_SOFT_DELETED);

      // when soft, then permanent
      state.planSubjectDeletion("orders-value", false).forEach(state::apply);
      state.planSubjectDeletion("orders-value", true).forEach(state::apply);

      // then it is gone even for those who ask for deleted subjects
      assertThat(state.subjects(true)).doesNotContain("orders-value");
      assertThat(registryError(() -> state.versions("orders-value", true)).errorCode())
          .isEqualTo(40401);
    }

    @Test
    void shouldAnswer40402ForAVersionASoftDeletedSubjectNeverHad() {
      // given
      register("orders-value", ORDER_V1);
      state.planSubjectDeletion("orders-value", false).forEach(state::apply);

      // when / then: the subject still has its deleted version, as Confluent's registry sees it
      for (String version : List.of("7", "latest")) {
        for (boolean permanent : List.of(false, true)) {
          assertThat(
                  registryError(() -> state.planVersionDeletion("orders-value", version, permanent))
                      .errorCode())
              .as("%s, permanent %s", version, permanent)
              .isEqualTo(RegistryException.VERSION_NOT_FOUND);
        }
      }
      assertThat(registryError(() -> state.version("orders-value", "latest", true)).errorCode())
          .isEqualTo(RegistryException.VERSION_NOT_FOUND);
      assertThat(registryError(() -> state.planVersionDeletion("nope", "1", false)).errorCode())
          .isEqualTo(RegistryException.SUBJECT_NOT_FOUND);
    }

    @Test
    void shouldTakeLatestForTheNewestLiveVersionEvenWithTheDeletedOnes() {
      // given
      registerTwoVersions();
      state.planVersionDeletion("orders-value", "2", false).forEach(state::apply);

      // when / then
      assertThat(state.version("orders-value", "latest", true).version()).isEqualTo(1);
      RegistryException e =
          registryError(() -> state.planVersionDeletion("orders-value", "latest", true));
      assertThat(e.errorCode()).isEqualTo(RegistryException.VERSION_NOT_SOFT_DELETED);
      assertThat(e.getMessage()).contains("Version 1 ");
    }

    @Test
    void shouldDeleteOneVersionSoftThenPermanently() {
      // given
      registerTwoVersions();

      // when
      state.planVersionDeletion("orders-value", "2", false).forEach(state::apply);

      // then
      assertThat(state.versions("orders-value", false)).containsExactly(1);
      assertThat(state.version("orders-value", "latest", false).version()).isEqualTo(1);

      // when
      state.planVersionDeletion("orders-value", "2", true).forEach(state::apply);

      // then
      assertThat(state.versions("orders-value", true)).containsExactly(1);
    }

    @Test
    void shouldRegisterAgainAfterASoftDeleteUnderTheNextVersionWithTheSameId() {
      // given
      int id = register("orders-value", ORDER_V1).id();
      state.planSubjectDeletion("orders-value", false).forEach(state::apply);

      // when
      RegistryState.Registration again = register("orders-value", ORDER_V1);

      // then: as Confluent's registry, the deleted version holding the same schema is gone
      assertThat(again.id()).isEqualTo(id);
      assertThat(again.version()).isEqualTo(2);
      assertThat(again.events().get(0)).isEqualTo(new VersionDeleted("orders-value", 1, true));
      assertThat(state.subjects(false)).contains("orders-value");
      assertThat(state.versions("orders-value", false)).containsExactly(2);
      assertThat(state.versions("orders-value", true)).containsExactly(2);
      assertThat(state.lookup("orders-value", ORDER_V1, true).version()).isEqualTo(2);
    }

    @Test
    void shouldNotCheckANewSchemaAgainstSoftDeletedVersions() {
      // given a version that the next schema breaks, soft-deleted
      register("orders-value", ORDER_V1);
      state.planSubjectDeletion("orders-value", false).forEach(state::apply);

      // when
      RegistryState.Registration unrelated = register("orders-value", PAYMENT);

      // then
      assertThat(unrelated.version()).isEqualTo(2);
    }
  }

  @Nested
  class Modes {

    @Test
    void shouldLetAGlobalReadOnlyOverrideWinOverASubjectsOwnMode() {
      state.apply(new ModeSet("orders-value", RegistryMode.READWRITE));
      state.apply(new ModeSet(null, RegistryMode.READONLY));
      assertThat(state.effectiveMode("orders-value")).isEqualTo(RegistryMode.READWRITE);
      assertThat(state.effectiveMode("payments-value")).isEqualTo(RegistryMode.READONLY);

      state.apply(new ModeSet(null, RegistryMode.READONLY_OVERRIDE));
      assertThat(state.effectiveMode("orders-value")).isEqualTo(RegistryMode.READONLY_OVERRIDE);

      state.apply(new ModeCleared(null));
      assertThat(state.globalMode()).isEqualTo(RegistryMode.READWRITE);
    }

    @Test
    void shouldAnswerWhatASubjectHasButRefuseNewSchemasAndDeletesWhenReadOnly() {
      RegistryState.Registration v1 = register("orders-value", ORDER_V1);
      state.apply(new ModeSet("orders-value", RegistryMode.READONLY));

      assertThat(state.planRegistration("orders-value", ORDER_V1).events()).isEmpty();
      assertThat(registryError(() -> state.planRegistration("orders-value", PAYMENT)).errorCode())
          .isEqualTo(RegistryException.OPERATION_NOT_PERMITTED);
      assertThat(registryError(() -> state.planSubjectDeletion("orders-value", false)).getMessage())
          .isEqualTo("Subject 'orders-value' is in read-only mode");
      assertThat(
              registryError(() -> state.planVersionDeletion("orders-value", "1", false))
                  .errorCode())
          .isEqualTo(RegistryException.OPERATION_NOT_PERMITTED);
      assertThat(state.lookup("orders-value", ORDER_V1, false).id()).isEqualTo(v1.id());
    }

    @Test
    void shouldKeepTheIdAndVersionOfARegistrationItCannotServeFromImportsAndNewVersions() {
      // A Protobuf schema, say, at orders-value version 2 with id 12.
      register("orders-value", ORDER_V1);
      state.apply(new IdTaken(12, "orders-value", 2));
      // A subject holding only what cannot be served is not empty.
      state.apply(new IdTaken(13, "payments-value", 1));
      assertThat(
              registryError(
                      () -> state.planModeChange("payments-value", RegistryMode.IMPORT, false))
                  .getMessage())
          .contains("found existing versions of subject 'payments-value'");
      state.planModeChange(null, RegistryMode.IMPORT, true).forEach(state::apply);

      assertThat(
              registryError(() -> state.planImport("orders-value", PAYMENT, 12, null)).getMessage())
          .contains("id 12 holds another schema");
      assertThat(registryError(() -> state.planImport("orders-value", PAYMENT, 20, 2)).getMessage())
          .contains("version 2 holds a schema this registry cannot serve");
      RegistryState.Registration next = state.planImport("orders-value", PAYMENT, 20, null);
      assertThat(next.version()).isEqualTo(3);
    }

    @Test
    void shouldRefuseANewSchemaOnceNoIdIsLeft() {
      state.planModeChange(null, RegistryMode.IMPORT, false).forEach(state::apply);
      state
          .planImport("orders-value", ORDER_V1, Integer.MAX_VALUE, null)
          .events()
          .forEach(state::apply);
      state.apply(new ModeCleared(null));

      RegistryException refused =
          registryError(() -> state.planRegistration("payments-value", PAYMENT));

      assertThat(refused.errorCode()).isEqualTo(RegistryException.STORE_ERROR);
      assertThat(refused.getMessage()).contains("No schema id is left");
    }

    @Test
    void shouldImportOnlyInImportModeWithoutContradictingIdsOrVersions() {
      assertThat(registryError(() -> state.planImport("orders-value", ORDER_V1, 9, 2)).getMessage())
          .contains("is not in import mode");
      state.planModeChange(null, RegistryMode.IMPORT, false).forEach(state::apply);

      RegistryState.Registration imported = state.planImport("orders-value", ORDER_V1, 9, 2);
      imported.events().forEach(state::apply);
      assertThat(imported.events())
          .containsExactly(
              new SchemaRegistered("orders-value", 2, 9, RegistryState.canonical(ORDER_V1)));
      assertThat(state.planImport("orders-value", ORDER_V1, 9, 2).events()).isEmpty();
      RegistryState.Registration again = state.planImport("orders-value", ORDER_V1, 9, null);
      assertThat(again.events()).isEmpty();
      assertThat(again.version()).isEqualTo(2);
      assertThat(state.planImport("orders-value", PAYMENT, 12, null).version()).isEqualTo(3);
      assertThat(registryError(() -> state.planImport("orders-value", PAYMENT, 9, 5)).getMessage())
          .contains("id 9 holds another schema");
      assertThat(registryError(() -> state.planImport("orders-value", PAYMENT, 12, 2)).getMessage())
          .isEqualTo("Subject 'orders-value' version 2 holds id 9, not 12");
      assertThat(registryError(() -> state.planImport("orders-value", PAYMENT, 12, 0)).errorCode())
          .isEqualTo(RegistryException.INVALID_VERSION);
      assertThat(
              registryError(() -> state.planRegistration("payments-value", PAYMENT)).getMessage())
          .contains("is in import mode");
      // A soft-deleted version is not what an import without a version finds: a live one is made.
      state.apply(new VersionDeleted("orders-value", 2, false));
      assertThat(state.planImport("orders-value", ORDER_V1, 9, null).events())
          .containsExactly(
              new SchemaRegistered("orders-value", 3, 9, RegistryState.canonical(ORDER_V1)));
    }

    @Test
    void shouldSetImportModeOnlyWhereNothingIsRegisteredUnlessForced() {
      register("orders-value", ORDER_V1);

      assertThat(
              registryError(() -> state.planModeChange(null, RegistryMode.IMPORT, false))
                  .errorCode())
          .isEqualTo(RegistryException.OPERATION_NOT_PERMITTED);
      assertThat(
              registryError(() -> state.planModeChange("orders-value", RegistryMode.IMPORT, false))
                  .errorCode())
          .isEqualTo(RegistryException.OPERATION_NOT_PERMITTED);
      assertThat(state.planModeChange("payments-value", RegistryMode.IMPORT, false))
          .containsExactly(new ModeSet("payments-value", RegistryMode.IMPORT));
      assertThat(state.planModeChange(null, RegistryMode.IMPORT, true))
          .containsExactly(new ModeSet(null, RegistryMode.IMPORT));
      assertThat(state.planModeChange(null, RegistryMode.READWRITE, false)).isEmpty();
      // Where IMPORT is in force already, a subject may take it as its own.
      state.apply(new ModeSet(null, RegistryMode.IMPORT));
      assertThat(state.planModeChange("orders-value", RegistryMode.IMPORT, false))
          .containsExactly(new ModeSet("orders-value", RegistryMode.IMPORT));
    }

    @Test
    void shouldRefuseChangesOfTheGlobalSettingsWhenTheRegistryIsReadOnly() {
      state.refuseIfReadOnly(null);
      state.apply(new ModeSet("orders-value", RegistryMode.READONLY));
      state.refuseIfReadOnly(null);

      state.apply(new ModeSet(null, RegistryMode.READONLY));
      assertThat(registryError(() -> state.refuseIfReadOnly(null)).getMessage())
          .isEqualTo("The registry is in read-only mode");
    }

    @Test
    void shouldTakeTheSubjectsOwnModeWithItsPermanentDelete() {
      register("orders-value", ORDER_V1);
      state.apply(new ModeSet("orders-value", RegistryMode.READWRITE));
      state.planSubjectDeletion("orders-value", false).forEach(state::apply);

      List<RegistryEvent> permanent = state.planSubjectDeletion("orders-value", true);
      permanent.forEach(state::apply);

      assertThat(permanent)
          .containsExactly(
              new VersionDeleted("orders-value", 1, true), new ModeCleared("orders-value"));
      assertThat(state.subjectMode("orders-value")).isEmpty();
    }

    @Test
    void shouldRefuseAnUnknownModeWithConfluentsCode() {
      assertThat(registryError(() -> RegistryMode.parse("sometimes")).errorCode())
          .isEqualTo(RegistryException.INVALID_MODE);
      assertThat(RegistryMode.parse(" readonly_override "))
          .isEqualTo(RegistryMode.READONLY_OVERRIDE);
    }
  }

  @Nested
  class Applying {

    @Test
    void shouldIgnoreARepeatOfTheSameEvent() {
      // given
      SchemaRegistered event =
          new SchemaRegistered("orders-value", 1, 1, RegistryState.canonical(ORDER_V1));
      state.apply(event);

      // when
      state.apply(event);
      state.apply(new VersionDeleted("orders-value", 1, false));
      state.apply(new VersionDeleted("orders-value", 1, false));

      // then
      assertThat(state.allVersions())
          .containsExactly(
              new SchemaVersion("orders-value", 1, 1, RegistryState.canonical(ORDER_V1), true));
      assertThat(state.ids()).containsExactly(1);
    }

    @Test
    void shouldRefuseAnotherSchemaInATakenVersionSlot() {
      // given
      state.apply(new SchemaRegistered("orders-value", 1, 1, RegistryState.canonical(ORDER_V1)));

      // when / then
      assertThatThrownBy(
              () ->
                  state.apply(
                      new SchemaRegistered("orders-value", 1, 2, RegistryState.canonical(PAYMENT))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("version 1");
      assertThat(state.version("orders-value", "1", false).id()).isEqualTo(1);
      // Refused, its id is still never handed out again: records may have been written with it.
      assertThat(register("archive-value", PAYMENT).id()).isEqualTo(3);
    }

    @Test
    void shouldRefuseAnIdBoundToAnotherSchema() {
      // given
      state.apply(new SchemaRegistered("orders-value", 1, 1, RegistryState.canonical(ORDER_V1)));

      // when / then
      assertThatThrownBy(
              () ->
                  state.apply(
                      new SchemaRegistered(
                          "payments-value", 1, 1, RegistryState.canonical(PAYMENT))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("id 1");
      assertThat(state.subjects(true)).containsExactly("orders-value");
    }

    @Test
    void shouldTakeASecondIdForASchemaAsConfluentsRegistryGivesAfterAPermanentDelete() {
      // given: what Confluent's registry writes when a schema is registered again after its only
      // version was deleted for good
      String order = RegistryState.canonical(ORDER_V1);
      state.apply(new SchemaRegistered("orders-value", 1, 1, order));
      state.apply(new VersionDeleted("orders-value", 1, false));
      state.apply(new VersionDeleted("orders-value", 1, true));

      // when
      state.apply(new SchemaRegistered("orders-value", 1, 2, order));

      // then: both ids read, and a new schema gets neither
      assertThat(state.schemaById(1)).isEqualTo(order);
      assertThat(state.schemaById(2)).isEqualTo(order);
      assertThat(state.version("orders-value", "1", false).id()).isEqualTo(2);
      assertThat(register("payments-value", PAYMENT).id()).isEqualTo(3);
    }

    @Test
    void shouldContinueIdsAfterTheHighestApplied() {
      // given an id from another instance's store
      state.apply(new SchemaRegistered("orders-value", 1, 41, RegistryState.canonical(ORDER_V1)));

      // when
      RegistryState.Registration next = register("payments-value", PAYMENT);

      // then
      assertThat(next.id()).isEqualTo(42);
    }
  }
}
