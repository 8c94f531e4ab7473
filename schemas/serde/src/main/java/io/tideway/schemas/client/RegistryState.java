package io.tideway.schemas.client;

import io.tideway.schemas.client.RegistryEvent.CompatibilityCleared;
import io.tideway.schemas.client.RegistryEvent.CompatibilitySet;
import io.tideway.schemas.client.RegistryEvent.IdTaken;
import io.tideway.schemas.client.RegistryEvent.ModeCleared;
import io.tideway.schemas.client.RegistryEvent.ModeSet;
import io.tideway.schemas.client.RegistryEvent.SchemaRegistered;
import io.tideway.schemas.client.RegistryEvent.SubjectDeleted;
import io.tideway.schemas.client.RegistryEvent.VersionDeleted;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.avro.Schema;

/**
 * The content of a schema registry and its rules, with Confluent Schema Registry's semantics:
 * subjects with numbered versions, global schema ids (one schema, one id, in every subject),
 * compatibility levels and modes global and per subject, soft and permanent deletes, imports with
 * ids given.
 *
 * <p>Decisions and changes are separate: {@code plan…} methods validate a request against the
 * current content and return the {@link RegistryEvent}s that carry it out, changing nothing; {@link
 * #apply} changes the content. The in-memory registry applies each plan at once; the server first
 * appends it to its store, so that every instance applies the same events in the same order.
 *
 * <p>Not thread-safe: callers serialise access.
 */
public final class RegistryState {

  /** The global level before anyone sets one, as in Confluent Schema Registry. */
  public static final CompatibilityLevel DEFAULT_LEVEL = CompatibilityLevel.BACKWARD;

  private final Map<String, TreeMap<Integer, SchemaVersion>> subjects = new TreeMap<>();
  private final Map<Integer, String> schemasById = new HashMap<>();
  private final Map<String, Integer> idsBySchema = new HashMap<>();
  private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
  private final Map<String, RegistryMode> subjectModes = new HashMap<>();
  private CompatibilityLevel globalLevel = DEFAULT_LEVEL;
  private RegistryMode globalMode = RegistryMode.READWRITE;
  private int maxId;

  /** Ids and versions of registrations this registry cannot serve ({@link IdTaken}). */
  private final Set<Integer> takenIds = new HashSet<>();

  private final Map<String, TreeSet<Integer>> takenVersions = new HashMap<>();

  /**
   * The outcome of a registration request.
   *
   * @param id the schema's id
   * @param version the subject's version that holds it
   * @param events the changes to apply, in order; none when the schema was already registered there
   */
  public record Registration(int id, int version, List<RegistryEvent> events) {}

  // ---- queries

  /** Subject names, sorted; soft-deleted subjects only when asked. */
  public List<String> subjects(boolean includeDeleted) {
    List<String> names = new ArrayList<>();
    subjects.forEach(
        (name, versions) -> {
          if (includeDeleted || versions.values().stream().anyMatch(v -> !v.deleted())) {
            names.add(name);
          }
        });
    return names;
  }

  /**
   * The versions of the subjects whose names start with a prefix, by subject and version: {@code
   * GET /schemas}.
   *
   * @param includeDeleted whether soft-deleted versions count too
   * @param latestOnly only each subject's newest version (of those that count)
   */
  public List<SchemaVersion> schemas(
      String subjectPrefix, boolean includeDeleted, boolean latestOnly) {
    List<SchemaVersion> out = new ArrayList<>();
    subjects.forEach(
        (name, versions) -> {
          if (!name.startsWith(subjectPrefix)) {
            return;
          }
          List<SchemaVersion> counted =
              versions.values().stream().filter(v -> includeDeleted || !v.deleted()).toList();
          if (latestOnly && !counted.isEmpty()) {
            out.add(counted.get(counted.size() - 1));
          } else if (!latestOnly) {
            out.addAll(counted);
          }
        });
    return out;
  }

  /** A subject's version numbers, ascending. */
  public List<Integer> versions(String subject, boolean includeDeleted) {
    return visible(subject, includeDeleted).stream().map(SchemaVersion::version).toList();
  }

  /**
   * One version of a subject. {@code latest} is its newest live version, deleted ones counted or
   * not, as in Confluent's registry.
   *
   * @param versionSpec a version number, {@code latest} or {@code -1}
   */
  public SchemaVersion version(String subject, String versionSpec, boolean includeDeleted) {
    // As Confluent's: a malformed version is refused (42202) before the subject is looked up.
    int number = isLatest(versionSpec) ? -1 : parseVersion(versionSpec);
    return find(subject, visible(subject, includeDeleted), number);
  }

  private static SchemaVersion find(String subject, List<SchemaVersion> versions, int number) {
    Optional<SchemaVersion> found =
        number < 0
            ? versions.stream().filter(v -> !v.deleted()).reduce((earlier, later) -> later)
            : versions.stream().filter(v -> v.version() == number).findFirst();
    return found.orElseThrow(() -> RegistryException.versionNotFound(subject, number));
  }

  /** The schema text with an id. */
  public String schemaById(int id) {
    String schema = schemasById.get(id);
    if (schema == null) {
      throw RegistryException.schemaNotFound("id " + id);
    }
    return schema;
  }

  /** The subjects and versions that hold a schema id, not soft-deleted. */
  public List<SchemaVersion> versionsOf(int id) {
    return versionsOf(id, false);
  }

  /**
   * The subjects and versions that hold a schema id.
   *
   * @param deleted whether soft-deleted versions count too
   */
  public List<SchemaVersion> versionsOf(int id, boolean deleted) {
    schemaById(id);
    List<SchemaVersion> out = new ArrayList<>();
    subjects
        .values()
        .forEach(
            vs ->
                vs.values().stream()
                    .filter(v -> v.id() == id && (deleted || !v.deleted()))
                    .forEach(out::add));
    return out;
  }

  /**
   * The latest version of a subject that holds a schema equal to the given one: one registered
   * again after a soft delete is found, not the deleted version before it.
   *
   * @throws RegistryException 40401 for an unknown subject, 40403 when no version holds it
   */
  public SchemaVersion lookup(String subject, String schemaText, boolean includeDeleted) {
    String canonical = canonical(schemaText);
    return visible(subject, includeDeleted).stream()
        .filter(v -> v.schema().equals(canonical))
        .reduce((earlier, later) -> later)
        .orElseThrow(
            () ->
                RegistryException.schemaNotFound("not registered under subject '" + subject + "'"));
  }

  /** The level that applies to a subject: its own, else the global one. */
  public CompatibilityLevel effectiveLevel(String subject) {
    return subjectLevels.getOrDefault(subject, globalLevel);
  }

  /** The global level. */
  public CompatibilityLevel globalLevel() {
    return globalLevel;
  }

  /** A subject's own level, if it has one. */
  public Optional<CompatibilityLevel> subjectLevel(String subject) {
    return Optional.ofNullable(subjectLevels.get(subject));
  }

  /**
   * The mode that applies to a subject: a global {@link RegistryMode#READONLY_OVERRIDE}, else the
   * subject's own, else the global one.
   */
  public RegistryMode effectiveMode(String subject) {
    return globalMode == RegistryMode.READONLY_OVERRIDE
        ? globalMode
        : subjectModes.getOrDefault(subject, globalMode);
  }

  /** The global mode. */
  public RegistryMode globalMode() {
    return globalMode;
  }

  /** A subject's own mode, if it has one. */
  public Optional<RegistryMode> subjectMode(String subject) {
    return Optional.ofNullable(subjectModes.get(subject));
  }

  /**
   * Checks a schema against a subject without registering it, as Confluent's compatibility endpoint
   * does.
   *
   * @param versionSpec null to check as a registration would (every version the subject's level
   *     covers); {@code latest} or a number to check against that one version under the level's
   *     direction
   * @return one message per incompatibility; empty when compatible, or when the subject has no
   *     version to break
   */
  public List<String> checkCompatibility(String subject, String versionSpec, String schemaText) {
    Schema candidate = parse(schemaText);
    if (versionSpec != null && !isLatest(versionSpec)) {
      parseVersion(versionSpec); // 42202 for a version that cannot be one, whatever the subject
    }
    boolean live =
        subjects.getOrDefault(subject, new TreeMap<>()).values().stream()
            .anyMatch(v -> !v.deleted());
    if (!live && (versionSpec == null || isLatest(versionSpec))) {
      return List.of(); // nothing to break: no subject, or every version soft-deleted
    }
    List<CompatibilityLevel.Version> earlier;
    if (versionSpec == null) {
      earlier = history(subject);
    } else {
      SchemaVersion one = version(subject, versionSpec, false);
      earlier = List.of(new CompatibilityLevel.Version(one.version(), parse(one.schema())));
    }
    return effectiveLevel(subject).check(candidate, earlier);
  }

  // ---- decisions

  /**
   * Plans registering a schema under a subject: the existing version when an equal schema is there
   * already, otherwise a new version, compatible under the subject's level, with the schema's
   * existing id or a new one. As in Confluent's registry, a soft-deleted version of the subject
   * with the same id is deleted permanently first: the schema lives on in the new version. A schema
   * the subject has already is answered with its version in every mode, as a lookup would be; a new
   * one only in {@link RegistryMode#READWRITE}.
   *
   * @throws RegistryException 42201 for an invalid schema, 409 for an incompatible one, 42205 in
   *     another mode
   */
  public Registration planRegistration(String subject, String schemaText) {
    if (subject == null || subject.isBlank()) {
      throw RegistryException.invalidSchema("the subject name is empty");
    }
    Schema schema = parse(schemaText);
    String canonical = schema.toString();
    // A new subject has no versions yet; visible() would refuse it as unknown.
    TreeMap<Integer, SchemaVersion> existing = subjects.getOrDefault(subject, new TreeMap<>());
    for (SchemaVersion v : existing.values()) {
      if (!v.deleted() && v.schema().equals(canonical)) {
        return new Registration(v.id(), v.version(), List.of());
      }
    }
    RegistryMode mode = effectiveMode(subject);
    if (mode == RegistryMode.IMPORT) {
      throw notPermitted(
          "Subject '"
              + subject
              + "' is in import mode: a registration gives the id the schema had elsewhere");
    }
    refuseIfReadOnly(subject);
    List<String> problems = effectiveLevel(subject).check(schema, history(subject));
    if (!problems.isEmpty()) {
      throw new RegistryException(
          409,
          RegistryException.INCOMPATIBLE_SCHEMA,
          "Schema being registered is incompatible with an earlier schema for subject '"
              + subject
              + "' under "
              + effectiveLevel(subject)
              + ", details: "
              + problems);
    }
    Integer known = idsBySchema.get(canonical);
    if (known == null && maxId == Integer.MAX_VALUE) {
      throw new RegistryException(
          500,
          RegistryException.STORE_ERROR,
          "No schema id is left: ids up to " + Integer.MAX_VALUE + " are taken");
    }
    int id = known != null ? known : maxId + 1;
    int version = nextVersion(subject, existing);
    List<RegistryEvent> events = new ArrayList<>();
    existing.values().stream()
        .filter(v -> v.deleted() && v.id() == id)
        .forEach(v -> events.add(new VersionDeleted(subject, v.version(), true)));
    events.add(new SchemaRegistered(subject, version, id, canonical));
    return new Registration(id, version, List.copyOf(events));
  }

  /**
   * Plans importing a schema with the id, and the version, it had in another registry: the subject
   * must be in {@link RegistryMode#IMPORT}; no compatibility check, as the history copied was
   * checked where it was written. Importing what is there already (the same id at the same version,
   * or in a live version of the subject when no version is given) changes nothing, so that an
   * interrupted import can run again.
   *
   * @param version the version it becomes, or null for the subject's next one
   * @throws RegistryException 42205 outside import mode, for an id that holds another schema, or a
   *     version that holds another id; 42201 for an invalid schema or id; 42202 for an invalid
   *     version
   */
  public Registration planImport(String subject, String schemaText, int id, Integer version) {
    if (subject == null || subject.isBlank()) {
      throw RegistryException.invalidSchema("the subject name is empty");
    }
    String canonical = canonical(schemaText);
    if (id < 1) {
      throw RegistryException.invalidSchema("the id to import with must be a positive number");
    }
    if (version != null && version < 1) {
      throw RegistryException.invalidVersion(version.toString());
    }
    if (effectiveMode(subject) != RegistryMode.IMPORT) {
      throw notPermitted(
          "Subject '"
              + subject
              + "' is not in import mode: give no id, or set its mode to IMPORT first");
    }
    String bound = schemasById.get(id);
    if ((bound != null && !bound.equals(canonical)) || takenIds.contains(id)) {
      throw notPermitted(
          "Overwrite schema for the same ID is not permitted: id " + id + " holds another schema");
    }
    TreeMap<Integer, SchemaVersion> existing = subjects.getOrDefault(subject, new TreeMap<>());
    if (version == null) {
      for (SchemaVersion v : existing.values()) {
        if (!v.deleted() && v.id() == id) {
          return new Registration(id, v.version(), List.of());
        }
      }
    }
    int number = version != null ? version : nextVersion(subject, existing);
    TreeSet<Integer> unserved = takenVersions.get(subject);
    if (unserved != null && unserved.contains(number)) {
      throw notPermitted(
          "Subject '"
              + subject
              + "' version "
              + number
              + " holds a schema this registry cannot serve, not id "
              + id);
    }
    SchemaVersion slot = existing.get(number);
    if (slot != null) {
      if (slot.id() == id) {
        return new Registration(id, number, List.of());
      }
      throw notPermitted(
          "Subject '" + subject + "' version " + number + " holds id " + slot.id() + ", not " + id);
    }
    return new Registration(
        id, number, List.of(new SchemaRegistered(subject, number, id, canonical)));
  }

  /**
   * Plans setting a mode, the global one when {@code subject} is null. {@link RegistryMode#IMPORT}
   * is set only where there is nothing yet (no subject at all, or none of the subject's versions,
   * soft-deleted ones included) or where it is in force already, unless forced: imported ids could
   * otherwise clash with ids given here.
   *
   * @return the change; none when the mode is set already
   * @throws RegistryException 42205 for import mode where there are versions, not forced
   */
  public List<RegistryEvent> planModeChange(String subject, RegistryMode mode, boolean force) {
    RegistryMode current = subject == null ? globalMode : subjectModes.get(subject);
    if (current == mode) {
      return List.of();
    }
    RegistryMode inForce = subject == null ? globalMode : effectiveMode(subject);
    if (mode == RegistryMode.IMPORT
        && inForce != RegistryMode.IMPORT
        && !force
        && (subject == null
            ? !subjects.isEmpty() || !takenVersions.isEmpty()
            : subjects.containsKey(subject) || takenVersions.containsKey(subject))) {
      throw notPermitted(
          "Cannot import since found existing "
              + (subject == null ? "subjects" : "versions of subject '" + subject + "'")
              + "; set force=true to import all the same");
    }
    return List.of(new ModeSet(subject, mode));
  }

  /**
   * Plans deleting every version of a subject: soft first, permanent only after a soft delete. As
   * in Confluent's registry (since 8.1), the subject's own compatibility level outlives a soft
   * delete, so that a subject registered again keeps its rules, and goes with the permanent one; so
   * does its own mode.
   *
   * @return the events, one per version deleted, then the level's and the mode's removal
   * @throws RegistryException 42205 in read-only mode
   */
  public List<RegistryEvent> planSubjectDeletion(String subject, boolean permanent) {
    TreeMap<Integer, SchemaVersion> versions = subjects.get(subject);
    if (versions == null) {
      throw RegistryException.subjectNotFound(subject);
    }
    refuseIfReadOnly(subject);
    boolean anyLive = versions.values().stream().anyMatch(v -> !v.deleted());
    if (permanent && anyLive) {
      throw new RegistryException(
          404,
          RegistryException.SUBJECT_NOT_SOFT_DELETED,
          "Subject '" + subject + "' was not deleted first before being permanently deleted");
    }
    if (!permanent && !anyLive) {
      throw new RegistryException(
          404,
          RegistryException.SUBJECT_SOFT_DELETED,
          // Confluent's wording to the letter, missing space included: clients match on it.
          "Subject '" + subject + "' was soft deleted.Set permanent=true to delete permanently");
    }
    List<RegistryEvent> events = new ArrayList<>();
    versions.values().stream()
        .filter(v -> permanent || !v.deleted())
        .forEach(v -> events.add(new VersionDeleted(subject, v.version(), permanent)));
    if (permanent) {
      events.addAll(subjectSettingsCleared(subject));
    }
    return events;
  }

  /** The version numbers a subject's deletion deletes, in order: what the API answers with. */
  public static List<Integer> versionsDeleted(List<RegistryEvent> deletion) {
    List<Integer> versions = new ArrayList<>();
    for (RegistryEvent event : deletion) {
      if (event instanceof VersionDeleted d) {
        versions.add(d.version());
      }
    }
    return versions;
  }

  /**
   * Plans deleting one version of a subject: soft first, permanent only after a soft delete. The
   * permanent delete of a subject's last version, deleted or not, also removes the subject's own
   * compatibility level and mode, as Confluent's registry does: nothing is left of the subject.
   *
   * @return the version's deletion, then the level's and the mode's removal where they go too
   * @throws RegistryException 40406 for a soft delete of a version soft-deleted already, 40407 for
   *     a permanent delete without a soft delete first, 42205 in read-only mode
   */
  public List<RegistryEvent> planVersionDeletion(
      String subject, String versionSpec, boolean permanent) {
    int number = isLatest(versionSpec) ? -1 : parseVersion(versionSpec);
    // Found among the deleted versions too, whichever the delete: a subject whose versions are all
    // soft-deleted still has them (40402 for one it never had, not 40401), as in Confluent's.
    SchemaVersion v = find(subject, visible(subject, true), number);
    refuseIfReadOnly(subject);
    if (!permanent && v.deleted()) {
      throw new RegistryException(
          404,
          RegistryException.VERSION_SOFT_DELETED,
          "Subject '"
              + subject
              + "' Version "
              + v.version()
              + " was soft deleted.Set permanent=true to delete permanently");
    }
    if (permanent && !v.deleted()) {
      throw new RegistryException(
          404,
          RegistryException.VERSION_NOT_SOFT_DELETED,
          "Subject '"
              + subject
              + "' Version "
              + v.version()
              + " was not deleted first before being permanently deleted");
    }
    List<RegistryEvent> events = new ArrayList<>();
    events.add(new VersionDeleted(subject, v.version(), permanent));
    if (permanent && subjects.get(subject).size() == 1) {
      events.addAll(subjectSettingsCleared(subject));
    }
    return events;
  }

  /** What goes with the last of a subject: its own compatibility level and mode. */
  private List<RegistryEvent> subjectSettingsCleared(String subject) {
    List<RegistryEvent> events = new ArrayList<>();
    if (subjectLevels.containsKey(subject)) {
      events.add(new CompatibilityCleared(subject));
    }
    if (subjectModes.containsKey(subject)) {
      events.add(new ModeCleared(subject));
    }
    return events;
  }

  /**
   * Refuses a change of a subject, or of the global settings when {@code subject} is null, in
   * read-only mode.
   *
   * @throws RegistryException 42205 in read-only mode
   */
  public void refuseIfReadOnly(String subject) {
    if (subject == null ? globalMode.readOnly() : effectiveMode(subject).readOnly()) {
      throw notPermitted(
          (subject == null ? "The registry" : "Subject '" + subject + "'")
              + " is in read-only mode");
    }
  }

  private static RegistryException notPermitted(String message) {
    return new RegistryException(422, RegistryException.OPERATION_NOT_PERMITTED, message);
  }

  // ---- changes

  /**
   * Applies a change. Events that contradict the content (a version slot taken by another schema,
   * an id bound to another schema) are refused, so that a damaged store cannot corrupt it.
   *
   * @throws IllegalArgumentException when the event contradicts the content
   */
  public void apply(RegistryEvent event) {
    if (event instanceof SchemaRegistered r) {
      register(r);
    } else if (event instanceof VersionDeleted d) {
      delete(d);
    } else if (event instanceof SubjectDeleted d) {
      List.copyOf(
              subjects
                  .getOrDefault(d.subject(), new TreeMap<>())
                  .headMap(d.throughVersion(), true)
                  .keySet())
          .forEach(version -> delete(new VersionDeleted(d.subject(), version, false)));
    } else if (event instanceof CompatibilitySet c) {
      if (c.subject() == null) {
        globalLevel = c.level();
      } else {
        subjectLevels.put(c.subject(), c.level());
      }
    } else if (event instanceof CompatibilityCleared c) {
      if (c.subject() == null) {
        globalLevel = DEFAULT_LEVEL;
      } else {
        subjectLevels.remove(c.subject());
      }
    } else if (event instanceof ModeSet m) {
      if (m.subject() == null) {
        globalMode = m.mode();
      } else {
        subjectModes.put(m.subject(), m.mode());
      }
    } else if (event instanceof ModeCleared m) {
      if (m.subject() == null) {
        globalMode = RegistryMode.READWRITE;
      } else {
        subjectModes.remove(m.subject());
      }
    } else if (event instanceof IdTaken t) {
      maxId = Math.max(maxId, t.id());
      takenIds.add(t.id());
      takenVersions.computeIfAbsent(t.subject(), subject -> new TreeSet<>()).add(t.version());
    }
  }

  /** The version after the subject's last, a version it cannot serve included. */
  private int nextVersion(String subject, TreeMap<Integer, SchemaVersion> existing) {
    int last = existing.isEmpty() ? 0 : existing.lastKey();
    TreeSet<Integer> taken = takenVersions.get(subject);
    if (taken != null) {
      last = Math.max(last, taken.last());
    }
    return last + 1;
  }

  private void register(SchemaRegistered r) {
    // Seen, the id is never handed out again, whatever becomes of the registration.
    maxId = Math.max(maxId, r.id());
    String bound = schemasById.get(r.id());
    if (bound != null && !bound.equals(r.schema())) {
      throw new IllegalArgumentException("id " + r.id() + " is already bound to another schema");
    }
    TreeMap<Integer, SchemaVersion> versions =
        subjects.computeIfAbsent(r.subject(), s -> new TreeMap<>());
    SchemaVersion taken = versions.get(r.version());
    if (taken != null) {
      if (taken.id() == r.id()) {
        return;
      }
      throw new IllegalArgumentException(
          r.subject() + " version " + r.version() + " is already taken");
    }
    versions.put(
        r.version(), new SchemaVersion(r.subject(), r.version(), r.id(), r.schema(), false));
    schemasById.put(r.id(), r.schema());
    // A schema this registry gives one id may come with a second one from Confluent's, which gives
    // a new id to a schema registered again after its last version was deleted for good: both
    // resolve, and the first stays the one this registry answers with.
    idsBySchema.putIfAbsent(r.schema(), r.id());
  }

  private void delete(VersionDeleted d) {
    TreeMap<Integer, SchemaVersion> versions = subjects.get(d.subject());
    if (versions == null || !versions.containsKey(d.version())) {
      return;
    }
    if (d.permanent()) {
      versions.remove(d.version());
      if (versions.isEmpty()) {
        subjects.remove(d.subject());
      }
    } else {
      SchemaVersion v = versions.get(d.version());
      versions.put(
          v.version(), new SchemaVersion(v.subject(), v.version(), v.id(), v.schema(), true));
    }
  }

  // ---- internals

  private List<SchemaVersion> visible(String subject, boolean includeDeleted) {
    TreeMap<Integer, SchemaVersion> versions = subjects.get(subject);
    if (versions == null) {
      throw RegistryException.subjectNotFound(subject);
    }
    List<SchemaVersion> out =
        versions.values().stream().filter(v -> includeDeleted || !v.deleted()).toList();
    if (out.isEmpty() && !includeDeleted) {
      throw RegistryException.subjectNotFound(subject);
    }
    return out;
  }

  private List<CompatibilityLevel.Version> history(String subject) {
    TreeMap<Integer, SchemaVersion> versions = subjects.get(subject);
    if (versions == null) {
      return List.of();
    }
    return versions.values().stream()
        .filter(v -> !v.deleted())
        .map(v -> new CompatibilityLevel.Version(v.version(), parse(v.schema())))
        .toList();
  }

  private static boolean isLatest(String versionSpec) {
    return "latest".equals(versionSpec) || "-1".equals(versionSpec);
  }

  private static int parseVersion(String versionSpec) {
    try {
      int number = Integer.parseInt(versionSpec);
      if (number > 0) {
        return number;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw RegistryException.invalidVersion(versionSpec);
  }

  /** Parses Avro schema text, or fails with 42201 naming what is wrong. */
  public static Schema parse(String schemaText) {
    if (schemaText == null || schemaText.isBlank()) {
      throw RegistryException.invalidSchema("the schema is empty");
    }
    try {
      return new Schema.Parser().setValidateDefaults(true).parse(schemaText);
    } catch (RuntimeException e) {
      // Avro reports bad schema text through several unchecked types: SchemaParseException,
      // AvroTypeException (an undefined name, an invalid default), IllegalArgumentException (an
      // unknown field order). All of them are the caller's bad input.
      throw RegistryException.invalidSchema(e.getMessage());
    }
  }

  /** The canonical text of a schema: what is stored, and what "the same schema" compares. */
  public static String canonical(String schemaText) {
    return parse(schemaText).toString();
  }

  /** For tests and diagnostics: every version, deleted or not. */
  List<SchemaVersion> allVersions() {
    List<SchemaVersion> out = new ArrayList<>();
    subjects.values().forEach(vs -> out.addAll(vs.values()));
    return out;
  }

  /** For tests: the ids in use. */
  TreeSet<Integer> ids() {
    return new TreeSet<>(schemasById.keySet());
  }
}
