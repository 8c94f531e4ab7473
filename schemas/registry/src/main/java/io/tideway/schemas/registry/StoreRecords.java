package io.tideway.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideway.schemas.client.CompatibilityLevel;
import io.tideway.schemas.client.RegistryEvent;
import io.tideway.schemas.client.RegistryEvent.CompatibilityCleared;
import io.tideway.schemas.client.RegistryEvent.CompatibilitySet;
import io.tideway.schemas.client.RegistryEvent.IdTaken;
import io.tideway.schemas.client.RegistryEvent.ModeCleared;
import io.tideway.schemas.client.RegistryEvent.ModeSet;
import io.tideway.schemas.client.RegistryEvent.SchemaRegistered;
import io.tideway.schemas.client.RegistryEvent.SubjectDeleted;
import io.tideway.schemas.client.RegistryEvent.VersionDeleted;
import io.tideway.schemas.client.RegistryException;
import io.tideway.schemas.client.RegistryMode;
import io.tideway.schemas.client.RegistryState;
import io.tideway.schemas.client.SchemaVersion;
import io.tideway.schemas.client.rest.RegistryApi;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * The records of the store topic: {@link RegistryEvent}s as JSON keys and values in the layout of
 * Confluent Schema Registry's {@code _schemas} topic, so that compaction keeps exactly the records
 * that still matter.
 *
 * <ul>
 *   <li>{@code {"keytype":"SCHEMA","subject":S,"version":V,"magic":1}} holds {@code
 *       {"subject":S,"version":V,"id":I,"schema":T,"deleted":D}}: a registration, rewritten with
 *       {@code deleted:true} by a soft delete; a tombstone is a permanent delete.
 *   <li>{@code {"keytype":"CONFIG","subject":S,"magic":0}} ({@code {"keytype":"CONFIG","magic":0}}
 *       for the global level) holds {@code {"compatibilityLevel":L}}; a tombstone clears the
 *       subject's own level (for the global key: back to the default).
 *   <li>{@code {"keytype":"MODE","subject":S,"magic":0}} (without subject: the global mode) holds
 *       {@code {"mode":M}}; a tombstone clears the subject's own mode (for the global key: back to
 *       {@code READWRITE}).
 *   <li>{@code {"keytype":"SCHEMA_ID","id":I,"magic":0}} is ours, written next to the tombstone of
 *       a permanent delete: it keeps the id bound to its schema once compaction has removed the
 *       last SCHEMA record that carried it, so that an instance replaying the compacted topic knows
 *       the same ids as one that saw the whole history, and never hands the id out again.
 * </ul>
 *
 * <p>Keys are written byte for byte as Confluent writes them (field order, no spaces), because
 * compaction compares key bytes. Confluent's {@code DELETE_SUBJECT} record, its soft delete of a
 * subject ({@code {"subject":S,"version":V}}: every version up to V), is read as such; key types of
 * Confluent's that carry nothing we serve ({@code NOOP}, {@code CLEAR_SUBJECT}, {@code CONTEXT})
 * are read as no change.
 */
final class StoreRecords {

  static final String SCHEMA = "SCHEMA";
  static final String CONFIG = "CONFIG";
  static final String MODE = "MODE";
  static final String SCHEMA_ID = "SCHEMA_ID";

  static final String DELETE_SUBJECT = "DELETE_SUBJECT";

  private static final Set<String> IGNORED = Set.of("NOOP", "CLEAR_SUBJECT", "CONTEXT");

  /**
   * One record to append.
   *
   * @param key the key's bytes
   * @param value the value's bytes, or null for a tombstone
   */
  record Entry(byte[] key, byte[] value) {}

  private final ObjectMapper json = new ObjectMapper();

  // ---- writing

  /**
   * The records that carry an event. Deletes need the version's id and schema, so they are looked
   * up in the state the event was planned against.
   */
  List<Entry> encode(RegistryEvent event, RegistryState state) {
    if (event instanceof SchemaRegistered r) {
      return List.of(
          new Entry(
              schemaKey(r.subject(), r.version()),
              schemaValue(r.subject(), r.version(), r.id(), r.schema(), false)));
    }
    if (event instanceof VersionDeleted d) {
      SchemaVersion v = state.version(d.subject(), Integer.toString(d.version()), true);
      byte[] value = schemaValue(v.subject(), v.version(), v.id(), v.schema(), true);
      if (!d.permanent()) {
        return List.of(new Entry(schemaKey(d.subject(), d.version()), value));
      }
      return List.of(
          new Entry(schemaKey(d.subject(), d.version()), null),
          new Entry(schemaIdKey(v.id()), value));
    }
    if (event instanceof CompatibilitySet c) {
      ObjectNode value = json.createObjectNode().put("compatibilityLevel", c.level().name());
      return setting(CONFIG, c.subject(), bytes(value));
    }
    if (event instanceof CompatibilityCleared c) {
      return setting(CONFIG, c.subject(), null);
    }
    if (event instanceof ModeSet m) {
      return setting(
          MODE, m.subject(), bytes(json.createObjectNode().put("mode", m.mode().name())));
    }
    if (event instanceof ModeCleared m) {
      return setting(MODE, m.subject(), null);
    }
    throw new IllegalArgumentException(event + " is only read from the store, never written");
  }

  byte[] schemaKey(String subject, int version) {
    ObjectNode key = json.createObjectNode();
    key.put("keytype", SCHEMA).put("subject", subject).put("version", version).put("magic", 1);
    return bytes(key);
  }

  /**
   * A setting's record; a global one comes after a tombstone of the key earlier versions wrote it
   * under ({@code "subject":null}), so that compaction cannot leave that older record to replay
   * after this one's tombstone is gone.
   */
  private List<Entry> setting(String keyType, String subject, byte[] value) {
    Entry entry = new Entry(subjectKey(keyType, subject), value);
    return subject != null
        ? List.of(entry)
        : List.of(new Entry(legacyGlobalKey(keyType), null), entry);
  }

  byte[] configKey(String subject) {
    return subjectKey(CONFIG, subject);
  }

  byte[] modeKey(String subject) {
    return subjectKey(MODE, subject);
  }

  /** As Confluent's: a global setting's key has no subject. */
  private byte[] subjectKey(String keyType, String subject) {
    ObjectNode key = json.createObjectNode().put("keytype", keyType);
    if (subject != null) {
      key.put("subject", subject);
    }
    return bytes(key.put("magic", 0));
  }

  /** The key of a global setting as Tideway wrote it before it wrote Confluent's. */
  byte[] legacyGlobalKey(String keyType) {
    return bytes(
        json.createObjectNode().put("keytype", keyType).putNull("subject").put("magic", 0));
  }

  byte[] schemaIdKey(int id) {
    return bytes(json.createObjectNode().put("keytype", SCHEMA_ID).put("id", id).put("magic", 0));
  }

  byte[] schemaValue(String subject, int version, int id, String schema, boolean deleted) {
    ObjectNode value = json.createObjectNode();
    value.put("subject", subject).put("version", version).put("id", id).put("schema", schema);
    return bytes(value.put("deleted", deleted));
  }

  private byte[] bytes(JsonNode node) {
    try {
      return json.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot write a store record", e);
    }
  }

  // ---- reading

  /**
   * The events a record stands for, in the order to apply them; empty for a record that changes
   * nothing.
   *
   * @throws IllegalArgumentException naming what is wrong, for a record the registry cannot have
   *     written
   */
  List<RegistryEvent> decode(byte[] keyBytes, byte[] valueBytes) {
    JsonNode key = parse(keyBytes, "key");
    String keyType = key.path("keytype").asText(null);
    if (keyType == null) {
      throw new IllegalArgumentException("the key has no keytype");
    }
    switch (keyType) {
      case SCHEMA:
        {
          String subject = subject(key, "key");
          int version = positiveInt(key, "version", "key");
          if (valueBytes == null) {
            return List.of(new VersionDeleted(subject, version, true));
          }
          JsonNode value = parse(valueBytes, "value");
          SchemaRegistered registered = registration(value);
          if (!registered.subject().equals(subject) || registered.version() != version) {
            throw new IllegalArgumentException(
                "the value is for "
                    + registered.subject()
                    + " version "
                    + registered.version()
                    + " but the key for "
                    + subject
                    + " version "
                    + version);
          }
          if (value.path("deleted").asBoolean(false)) {
            return List.of(registered, new VersionDeleted(subject, version, false));
          }
          return List.of(registered);
        }
      case SCHEMA_ID:
        {
          int id = positiveInt(key, "id", "key");
          if (valueBytes == null) {
            return List.of();
          }
          SchemaRegistered registered = registration(parse(valueBytes, "value"));
          if (registered.id() != id) {
            throw new IllegalArgumentException(
                "the value is for id " + registered.id() + " but the key for id " + id);
          }
          // Replayed as the registration and permanent delete it stands for: the id stays bound.
          return List.of(
              registered, new VersionDeleted(registered.subject(), registered.version(), true));
        }
      case CONFIG:
        {
          String subject = subjectOrGlobal(key);
          JsonNode level =
              valueBytes == null ? null : parse(valueBytes, "value").path("compatibilityLevel");
          if (level == null || level.isNull() || level.isMissingNode()) {
            // A cleared level; the global one falls back to the default.
            return subject == null
                ? List.of(new CompatibilitySet(null, RegistryState.DEFAULT_LEVEL))
                : List.of(new CompatibilityCleared(subject));
          }
          try {
            return List.of(new CompatibilitySet(subject, CompatibilityLevel.parse(level.asText())));
          } catch (RegistryException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
          }
        }
      case MODE:
        {
          String subject = subjectOrGlobal(key);
          JsonNode mode = valueBytes == null ? null : parse(valueBytes, "value").path("mode");
          if (mode == null || mode.isNull() || mode.isMissingNode()) {
            return List.of(new ModeCleared(subject));
          }
          try {
            return List.of(new ModeSet(subject, RegistryMode.parse(mode.asText())));
          } catch (RegistryException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
          }
        }
      case DELETE_SUBJECT:
        {
          if (valueBytes == null) {
            return List.of();
          }
          JsonNode value = parse(valueBytes, "value");
          String subject = subject(value, "value");
          if (!subject.equals(subject(key, "key"))) {
            throw new IllegalArgumentException(
                "the value is for subject " + subject + " but the key for " + subject(key, "key"));
          }
          return List.of(new SubjectDeleted(subject, positiveInt(value, "version", "value")));
        }
      default:
        if (IGNORED.contains(keyType)) {
          return List.of();
        }
        throw new IllegalArgumentException("unknown keytype '" + keyType + "'");
    }
  }

  private SchemaRegistered registration(JsonNode value) {
    String subject = subject(value, "value");
    int version = positiveInt(value, "version", "value");
    JsonNode idNode = value.path("id");
    if (!idNode.canConvertToInt() || !idNode.isIntegralNumber() || idNode.asInt() < 0) {
      throw new IllegalArgumentException("the value has no valid id");
    }
    int id = idNode.asInt();
    String type = value.path("schemaType").asText(RegistryApi.AVRO);
    if (!RegistryApi.AVRO.equals(type)) {
      throw new UnservedSchemaException(
          id, subject, version, "schema type " + type + " is not served", null);
    }
    JsonNode references = value.path("references");
    if (references.isArray() && !references.isEmpty()) {
      throw new UnservedSchemaException(
          id, subject, version, "schema references are not supported", null);
    }
    JsonNode schema = value.path("schema");
    if (!schema.isTextual()) {
      throw new UnservedSchemaException(id, subject, version, "the value has no schema", null);
    }
    String canonical;
    try {
      canonical = RegistryState.canonical(schema.asText());
    } catch (RegistryException e) {
      throw new UnservedSchemaException(
          id, subject, version, "the schema is not valid: " + e.getMessage(), e);
    }
    return new SchemaRegistered(subject, version, id, canonical);
  }

  /**
   * A registration whose schema this registry cannot serve. Its id stays taken all the same ({@link
   * IdTaken}): a producer may have written with it.
   */
  static final class UnservedSchemaException extends IllegalArgumentException {

    private final int id;
    private final String subject;
    private final int version;

    UnservedSchemaException(int id, String subject, int version, String message, Throwable cause) {
      super(message, cause);
      this.id = id;
      this.subject = subject;
      this.version = version;
    }

    /** What the registration stands for in the registry: an id and a version no other may get. */
    IdTaken taken() {
      return new IdTaken(id, subject, version);
    }
  }

  private JsonNode parse(byte[] bytes, String what) {
    if (bytes == null) {
      throw new IllegalArgumentException("the " + what + " is missing");
    }
    JsonNode node;
    try {
      node = json.readTree(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException("the " + what + " is not JSON", e);
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("the " + what + " is not a JSON object");
    }
    return node;
  }

  /** The key's subject, or null for the global setting. */
  private static String subjectOrGlobal(JsonNode key) {
    JsonNode subject = key.path("subject");
    if (subject.isTextual()) {
      return subject.asText();
    }
    if (!subject.isNull() && !subject.isMissingNode()) {
      throw new IllegalArgumentException("the key's subject is not a string");
    }
    return null;
  }

  private static String subject(JsonNode node, String what) {
    JsonNode subject = node.path("subject");
    if (!subject.isTextual() || subject.asText().isEmpty()) {
      throw new IllegalArgumentException("the " + what + " has no subject");
    }
    return subject.asText();
  }

  private static int positiveInt(JsonNode node, String field, String what) {
    JsonNode n = node.path(field);
    if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 1) {
      throw new IllegalArgumentException("the " + what + " has no valid " + field);
    }
    return n.asInt();
  }
}
