package io.tideway.schemas.registry;

import static io.tideway.schemas.registry.RunningRegistry.field;
import static io.tideway.schemas.registry.RunningRegistry.optionalField;
import static io.tideway.schemas.registry.RunningRegistry.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideway.schemas.client.CompatibilityLevel;
import io.tideway.schemas.client.RegistryEvent;
import io.tideway.schemas.client.RegistryEvent.CompatibilityCleared;
import io.tideway.schemas.client.RegistryEvent.CompatibilitySet;
import io.tideway.schemas.client.RegistryEvent.ModeCleared;
import io.tideway.schemas.client.RegistryEvent.ModeSet;
import io.tideway.schemas.client.RegistryEvent.SchemaRegistered;
import io.tideway.schemas.client.RegistryEvent.SubjectDeleted;
import io.tideway.schemas.client.RegistryEvent.VersionDeleted;
import io.tideway.schemas.client.RegistryMode;
import io.tideway.schemas.client.RegistryState;
import io.tideway.schemas.registry.StoreRecords.Entry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StoreRecordsTest {

  private static final String A = RegistryState.canonical(record("A", field("a", "int")));
  private static final String A2 =
      RegistryState.canonical(record("A", field("a", "int"), optionalField("b")));
  private static final String C = RegistryState.canonical(record("C", field("c", "int")));

  private final StoreRecords format = new StoreRecords();

  @Test
  void shouldWriteKeysByteForByteAsConfluentDoes() {
    assertThat(text(format.schemaKey("orders-value", 3)))
        .isEqualTo(
            "{\"keytype\":\"SCHEMA\",\"subject\":\"orders-value\",\"version\":3,\"magic\":1}");
    assertThat(text(format.configKey("orders-value")))
        .isEqualTo("{\"keytype\":\"CONFIG\",\"subject\":\"orders-value\",\"magic\":0}");
    assertThat(text(format.configKey(null))).isEqualTo("{\"keytype\":\"CONFIG\",\"magic\":0}");
    assertThat(text(format.modeKey("orders-value")))
        .isEqualTo("{\"keytype\":\"MODE\",\"subject\":\"orders-value\",\"magic\":0}");
    assertThat(text(format.modeKey(null))).isEqualTo("{\"keytype\":\"MODE\",\"magic\":0}");
  }

  @Test
  void shouldRemoveTheGlobalKeyEarlierVersionsWroteWithEveryGlobalSetting() {
    RegistryState state = new RegistryState();
    List<Entry> entries = format.encode(new CompatibilitySet(null, CompatibilityLevel.FULL), state);

    assertThat(entries).hasSize(2);
    assertThat(text(entries.get(0).key()))
        .isEqualTo("{\"keytype\":\"CONFIG\",\"subject\":null,\"magic\":0}");
    assertThat(entries.get(0).value()).isNull();
    assertThat(text(entries.get(1).key())).isEqualTo("{\"keytype\":\"CONFIG\",\"magic\":0}");
    assertThat(text(format.encode(new ModeCleared(null), state).get(0).key()))
        .isEqualTo("{\"keytype\":\"MODE\",\"subject\":null,\"magic\":0}");
  }

  @Test
  void shouldReadBackModesAndConfluentsModeRecords() {
    RegistryState state = new RegistryState();
    ModeSet global = new ModeSet(null, RegistryMode.IMPORT);
    assertThat(decode(format.encode(global, state))).containsExactly(new ModeCleared(null), global);
    ModeSet own = new ModeSet("s", RegistryMode.READONLY_OVERRIDE);
    assertThat(decode(format.encode(own, state))).containsExactly(own);
    assertThat(decode(format.encode(new ModeCleared("s"), state)))
        .containsExactly(new ModeCleared("s"));
    assertThat(decode(format.encode(new ModeCleared(null), state)))
        .containsExactly(new ModeCleared(null), new ModeCleared(null));

    assertThat(
            format.decode(
                bytes("{\"keytype\":\"MODE\",\"subject\":\"s\",\"magic\":0}"),
                bytes("{\"mode\":\"READONLY\"}")))
        .containsExactly(new ModeSet("s", RegistryMode.READONLY));
    assertRefused(
        bytes("{\"keytype\":\"MODE\",\"subject\":\"s\",\"magic\":0}"),
        bytes("{\"mode\":\"SOMETIMES\"}"),
        "Invalid mode 'SOMETIMES'");
  }

  @Test
  void shouldReadBackWhatItWrites() {
    RegistryState state = new RegistryState();
    SchemaRegistered registered = new SchemaRegistered("s", 1, 7, A);
    state.apply(registered);

    assertThat(decode(format.encode(registered, state))).containsExactly(registered);
    assertThat(decode(format.encode(new VersionDeleted("s", 1, false), state)))
        .containsExactly(registered, new VersionDeleted("s", 1, false));
    assertThat(decode(format.encode(new VersionDeleted("s", 1, true), state)))
        .containsExactly(
            new VersionDeleted("s", 1, true), registered, new VersionDeleted("s", 1, true));
    CompatibilitySet global = new CompatibilitySet(null, CompatibilityLevel.FULL);
    assertThat(decode(format.encode(global, state)))
        .containsExactly(new CompatibilitySet(null, RegistryState.DEFAULT_LEVEL), global);
    CompatibilitySet own = new CompatibilitySet("s", CompatibilityLevel.NONE);
    assertThat(decode(format.encode(own, state))).containsExactly(own);
    CompatibilityCleared cleared = new CompatibilityCleared("s");
    assertThat(decode(format.encode(cleared, state))).containsExactly(cleared);
    assertThat(decode(format.encode(new CompatibilityCleared(null), state)))
        .containsExactly(
            new CompatibilitySet(null, RegistryState.DEFAULT_LEVEL),
            new CompatibilitySet(null, RegistryState.DEFAULT_LEVEL));
  }

  @Test
  void shouldReadConfluentsSoftDeleteOfASubjectAsEveryVersionUpToItsOwnDeleted() {
    byte[] key = bytes("{\"keytype\":\"DELETE_SUBJECT\",\"subject\":\"s\",\"magic\":0}");

    assertThat(format.decode(key, bytes("{\"subject\":\"s\",\"version\":3}")))
        .containsExactly(new SubjectDeleted("s", 3));
    assertThat(format.decode(key, null)).isEmpty();
    assertRefused(key, bytes("{\"subject\":\"t\",\"version\":3}"), "key for s");
    assertRefused(key, bytes("{\"subject\":\"s\",\"version\":0}"), "version");
  }

  @Test
  void shouldReadSchemasInCanonicalFormAndConfluentsOtherKeysAsNoChange() {
    String spaced =
        "{ \"type\" : \"record\", \"name\" : \"A\", \"namespace\" : \"io.tideway.test\","
            + " \"fields\" : [ {\"name\":\"a\",\"type\":\"int\"} ] }";
    byte[] value =
        ("{\"subject\":\"s\",\"version\":1,\"id\":1,\"schema\":"
                + RegistryHttp.JSON.valueToTree(spaced)
                + ",\"deleted\":false,\"md5\":\"x\"}")
            .getBytes(StandardCharsets.UTF_8);

    assertThat(format.decode(format.schemaKey("s", 1), value))
        .containsExactly(new SchemaRegistered("s", 1, 1, A));
    assertThat(format.decode(bytes("{\"keytype\":\"NOOP\",\"magic\":0}"), null)).isEmpty();
    assertThat(format.decode(bytes("{\"keytype\":\"CONFIG\",\"magic\":0}"), null))
        .containsExactly(new CompatibilitySet(null, RegistryState.DEFAULT_LEVEL));
  }

  @Test
  void shouldRefuseRecordsTheRegistryCannotHaveWritten() {
    byte[] key = format.schemaKey("s", 1);
    assertRefused(new byte[] {1, 2, 3}, bytes("{}"), "key is not JSON");
    assertRefused(bytes("[1]"), bytes("{}"), "not a JSON object");
    assertRefused(bytes("{\"magic\":0}"), bytes("{}"), "no keytype");
    assertRefused(bytes("{\"keytype\":\"ELSE\"}"), bytes("{}"), "unknown keytype");
    assertRefused(key, bytes("{oops"), "value is not JSON");
    assertRefused(key, format.schemaValue("t", 1, 1, A, false), "key for s version 1");
    assertRefused(key, format.schemaValue("s", 1, 1, "{\"type\":\"nope\"}", false), "not valid");
    assertRefused(
        key,
        bytes(
            "{\"subject\":\"s\",\"version\":1,\"id\":1,\"schema\":\"{}\",\"schemaType\":\"JSON\"}"),
        "JSON is not served");
    assertRefused(
        bytes("{\"keytype\":\"SCHEMA\",\"subject\":\"s\",\"version\":0}"), null, "version");
    assertRefused(
        format.configKey("s"), bytes("{\"compatibilityLevel\":\"SOMETIMES\"}"), "SOMETIMES");
  }

  @Test
  void shouldReplayACompactedTopicToTheSameContentAsTheWholeHistory() {
    // given a history with soft and permanent deletes, level changes and re-registrations
    RegistryState live = new RegistryState();
    List<Entry> topic = new ArrayList<>();
    live.planRegistration("s1", A).events().forEach(e -> write(live, topic, e));
    live.planRegistration("s1", A2).events().forEach(e -> write(live, topic, e));
    live.planRegistration("s2", C).events().forEach(e -> write(live, topic, e));
    write(live, topic, new CompatibilitySet(null, CompatibilityLevel.FULL));
    write(live, topic, new CompatibilitySet("s1", CompatibilityLevel.NONE));
    live.planVersionDeletion("s1", "2", false).forEach(e -> write(live, topic, e));
    live.planVersionDeletion("s1", "2", true).forEach(e -> write(live, topic, e));
    live.planSubjectDeletion("s2", false).forEach(e -> write(live, topic, e));
    live.planSubjectDeletion("s2", true).forEach(e -> write(live, topic, e));
    write(live, topic, new CompatibilityCleared("s1"));
    live.planRegistration("s3", A).events().forEach(e -> write(live, topic, e));
    live.planSubjectDeletion("s3", false).forEach(e -> write(live, topic, e));
    live.planRegistration("s3", A).events().forEach(e -> write(live, topic, e));
    write(live, topic, new CompatibilityCleared(null));

    // when compaction keeps only the last record of each key and drops tombstones
    Map<String, Entry> latest = new LinkedHashMap<>();
    for (Entry e : topic) {
      latest.remove(text(e.key()));
      latest.put(text(e.key()), e);
    }
    List<Entry> compacted = latest.values().stream().filter(e -> e.value() != null).toList();
    RegistryState replayed = replay(compacted);

    // then
    assertThat(compacted.size()).isLessThan(topic.size());
    assertThat(describe(replayed)).isEqualTo(describe(live)).isEqualTo(describe(replay(topic)));
    String next = RegistryState.canonical(record("D", field("d", "int")));
    assertThat(replayed.planRegistration("s4", next).id())
        .isEqualTo(live.planRegistration("s4", next).id())
        .isEqualTo(4);
  }

  // ---- helpers

  private void write(RegistryState state, List<Entry> topic, RegistryEvent event) {
    topic.addAll(format.encode(event, state));
    state.apply(event);
  }

  private RegistryState replay(List<Entry> topic) {
    RegistryState state = new RegistryState();
    for (Entry e : topic) {
      format.decode(e.key(), e.value()).forEach(state::apply);
    }
    return state;
  }

  /** What the API shows of a state, deleted versions and every id ever handed out included. */
  private static String describe(RegistryState state) {
    StringBuilder out = new StringBuilder();
    for (String subject : state.subjects(true)) {
      for (int v : state.versions(subject, true)) {
        out.append(state.version(subject, Integer.toString(v), true)).append('\n');
      }
      out.append(subject).append(" level ").append(state.subjectLevel(subject)).append('\n');
    }
    out.append("global ").append(state.globalLevel()).append('\n');
    for (int id = 1; id <= 3; id++) {
      out.append(id).append(' ').append(state.schemaById(id)).append('\n');
    }
    return out.toString();
  }

  private List<RegistryEvent> decode(List<Entry> entries) {
    List<RegistryEvent> events = new ArrayList<>();
    entries.forEach(e -> events.addAll(format.decode(e.key(), e.value())));
    return events;
  }

  private void assertRefused(byte[] key, byte[] value, String reason) {
    assertThatThrownBy(() -> format.decode(key, value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(reason);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
