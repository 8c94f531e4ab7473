package io.tideway.schemas.client;

import java.util.List;
import org.apache.avro.Schema;

/**
 * A schema registry with Confluent Schema Registry's semantics: what the Avro serde and the
 * operator's command line need from it.
 *
 * <p>Every method fails with a {@link RegistryException} carrying the registry's HTTP status and
 * Confluent error code, such as {@link RegistryException#SUBJECT_NOT_FOUND}; a registry that cannot
 * be reached fails with {@link RegistryException#STORE_ERROR} or {@link
 * RegistryException#STORE_TIMEOUT} and a message naming its URL.
 *
 * <p>Implementations are thread-safe.
 *
 * @see HttpSchemaRegistryClient
 * @see InMemorySchemaRegistry
 * @see CachedSchemaRegistryClient
 * @see MockSchemaRegistry
 */
public interface SchemaRegistryClient extends AutoCloseable {

  /**
   * Registers a schema under a subject, or finds it there already.
   *
   * @return the schema's global id
   * @throws RegistryException 409 when the schema is incompatible under the subject's level, 42201
   *     when the registry refuses it as invalid
   */
  int register(String subject, Schema schema);

  /**
   * Looks up the id of a schema registered under a subject, without registering it.
   *
   * @return the schema's global id
   * @throws RegistryException 40401 for an unknown subject, 40403 when the subject has no version
   *     with this schema
   */
  int id(String subject, Schema schema);

  /**
   * The schema with a global id.
   *
   * @throws RegistryException 40403 for an unknown id
   */
  Schema schemaById(int id);

  /**
   * The latest version of a subject that is not soft-deleted.
   *
   * @throws RegistryException 40401 for an unknown subject
   */
  SchemaVersion latest(String subject);

  /**
   * One version of a subject.
   *
   * @throws RegistryException 40401 for an unknown subject, 40402 for an unknown version, 42202 for
   *     a version below 1
   */
  SchemaVersion version(String subject, int version);

  /** The subjects that have a version that is not soft-deleted, sorted. */
  List<String> subjects();

  /**
   * A subject's version numbers that are not soft-deleted, ascending.
   *
   * @throws RegistryException 40401 for an unknown subject
   */
  List<Integer> versions(String subject);

  /** The compatibility level that applies to a subject: its own, else the global one. */
  CompatibilityLevel compatibilityOf(String subject);

  /** The global compatibility level. */
  CompatibilityLevel globalCompatibility();

  /**
   * Sets a subject's compatibility level, or the global one.
   *
   * @param subject the subject, or null for the global level
   */
  void setCompatibility(String subject, CompatibilityLevel level);

  /**
   * Checks whether registering a schema under a subject would be accepted by the subject's
   * compatibility level, without registering it. A subject without versions accepts any schema.
   *
   * @return one message per incompatibility, naming the kind of break and the field; empty when
   *     compatible
   */
  List<String> checkCompatibility(String subject, Schema schema);

  /**
   * Deletes every version of a subject: soft (hidden, ids still resolvable) or, after a soft
   * delete, permanent.
   *
   * @return the versions deleted
   * @throws RegistryException 40401 for an unknown subject, 40404 for a soft delete of a subject
   *     soft-deleted already, 40405 for a permanent delete without a soft delete first
   */
  List<Integer> deleteSubject(String subject, boolean permanent);

  /**
   * Where the registry is, for messages: its base URL(s), or {@code mock://scope}. Never holds
   * credentials.
   */
  String url();

  /** Releases connections and threads; the client is unusable afterwards. */
  @Override
  void close();
}
