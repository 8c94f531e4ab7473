package io.tideway.schemas.client;

import java.time.Duration;
import java.util.List;
import org.apache.avro.Schema;

/**
 * A registry client that remembers what cannot change: the schema behind an id, and the id of a
 * schema under a subject once registered or looked up. After the first lookup of an id or of a
 * (subject, schema) pair, the serde's calls answer from memory, without asking the registry.
 *
 * <p>Optionally remembers a subject's latest version for a while, for serializers that write with
 * the latest schema. Everything else goes to the registry every time, so that an operator sees its
 * current content. Each cache holds at most {@code capacity} entries and forgets the oldest first.
 *
 * <p>Thread-safe; reads of the caches take no lock.
 */
public final class CachedSchemaRegistryClient implements SchemaRegistryClient {

  /** The capacity of each cache unless told otherwise. */
  public static final int DEFAULT_CAPACITY = 1000;

  private final SchemaRegistryClient registry;
  private final BoundedCache<Integer, Schema> schemasById;
  private final BoundedCache<SubjectSchema, Integer> idsBySubjectSchema;
  private final BoundedCache<String, Latest> latestBySubject;
  private final long latestTtlNanos;

  private record SubjectSchema(String subject, Schema schema) {}

  private record Latest(SchemaVersion version, long fetchedAtNanos) {}

  /**
   * Caches up to {@value #DEFAULT_CAPACITY} entries each; does not cache latest versions.
   *
   * @param registry the registry to ask on a miss
   */
  public CachedSchemaRegistryClient(SchemaRegistryClient registry) {
    this(registry, DEFAULT_CAPACITY, Duration.ZERO);
  }

  /**
   * @param registry the registry to ask on a miss
   * @param capacity the most entries each cache holds
   * @param latestTtl how long a subject's latest version is remembered: zero or null not at all,
   *     negative for as long as the client lives
   */
  public CachedSchemaRegistryClient(
      SchemaRegistryClient registry, int capacity, Duration latestTtl) {
    if (registry == null) {
      throw new IllegalArgumentException("registry is required");
    }
    this.registry = registry;
    this.schemasById = new BoundedCache<>(capacity);
    this.idsBySubjectSchema = new BoundedCache<>(capacity);
    this.latestBySubject = new BoundedCache<>(capacity);
    this.latestTtlNanos =
        latestTtl == null ? 0 : latestTtl.isNegative() ? Long.MAX_VALUE : latestTtl.toNanos();
  }

  /** The registry this client asks on a miss. */
  public SchemaRegistryClient registry() {
    return registry;
  }

  @Override
  public int register(String subject, Schema schema) {
    SubjectSchema key = new SubjectSchema(subject, schema);
    Integer id = idsBySubjectSchema.get(key);
    if (id != null) {
      return id;
    }
    int registered = registry.register(subject, schema);
    idsBySubjectSchema.put(key, registered);
    // Whoever registers a schema is likely to read it back: spare the lookup by id.
    schemasById.put(registered, schema);
    return registered;
  }

  @Override
  public int id(String subject, Schema schema) {
    return idsBySubjectSchema.getOrLoad(
        new SubjectSchema(subject, schema), key -> registry.id(subject, schema));
  }

  @Override
  public Schema schemaById(int id) {
    return schemasById.getOrLoad(id, registry::schemaById);
  }

  @Override
  public SchemaVersion latest(String subject) {
    if (latestTtlNanos == 0) {
      return registry.latest(subject);
    }
    Latest cached = latestBySubject.get(subject);
    if (cached != null && System.nanoTime() - cached.fetchedAtNanos() < latestTtlNanos) {
      return cached.version();
    }
    SchemaVersion fresh = registry.latest(subject);
    latestBySubject.removeIf(subject::equals);
    latestBySubject.put(subject, new Latest(fresh, System.nanoTime()));
    return fresh;
  }

  @Override
  public SchemaVersion version(String subject, int version) {
    return registry.version(subject, version);
  }

  @Override
  public List<String> subjects() {
    return registry.subjects();
  }

  @Override
  public List<Integer> versions(String subject) {
    return registry.versions(subject);
  }

  @Override
  public CompatibilityLevel compatibilityOf(String subject) {
    return registry.compatibilityOf(subject);
  }

  @Override
  public CompatibilityLevel globalCompatibility() {
    return registry.globalCompatibility();
  }

  @Override
  public void setCompatibility(String subject, CompatibilityLevel level) {
    registry.setCompatibility(subject, level);
  }

  @Override
  public List<String> checkCompatibility(String subject, Schema schema) {
    return registry.checkCompatibility(subject, schema);
  }

  /** Deletes the subject and forgets what was cached for it; ids stay valid and stay cached. */
  @Override
  public List<Integer> deleteSubject(String subject, boolean permanent) {
    try {
      return registry.deleteSubject(subject, permanent);
    } finally {
      idsBySubjectSchema.removeIf(key -> key.subject().equals(subject));
      latestBySubject.removeIf(subject::equals);
    }
  }

  @Override
  public String url() {
    return registry.url();
  }

  /** Closes the registry client this one wraps. */
  @Override
  public void close() {
    registry.close();
  }

  @Override
  public String toString() {
    return "CachedSchemaRegistryClient[" + registry.url() + "]";
  }
}
