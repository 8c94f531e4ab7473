package io.tideway.schemas.client;

/**
 * A change to the registry's content. The registry server appends these to its store and every
 * instance applies them in the store's order; the in-memory registry applies them at once. Either
 * way {@link RegistryState#apply} is the only thing that changes content.
 */
public sealed interface RegistryEvent {

  /**
   * A schema became a version of a subject.
   *
   * @param subject the subject
   * @param version the subject's version number it became
   * @param id the schema's global id
   * @param schema the schema in canonical form
   */
  record SchemaRegistered(String subject, int version, int id, String schema)
      implements RegistryEvent {}

  /**
   * A version was deleted: soft (hidden, still resolvable by id) or permanent (gone).
   *
   * @param subject the subject
   * @param version the version
   * @param permanent whether it is gone for good
   */
  record VersionDeleted(String subject, int version, boolean permanent) implements RegistryEvent {}

  /**
   * Every version of a subject up to one was soft-deleted at once: how Confluent's registry records
   * a subject's soft delete (its {@code DELETE_SUBJECT} record). Only read from a store, never
   * written: Tideway writes a {@link VersionDeleted} per version.
   *
   * @param subject the subject
   * @param throughVersion the highest version deleted
   */
  record SubjectDeleted(String subject, int throughVersion) implements RegistryEvent {}

  /**
   * A subject's compatibility level was set, or the global one when {@code subject} is null.
   *
   * @param subject the subject, or null for the global level
   * @param level the new level
   */
  record CompatibilitySet(String subject, CompatibilityLevel level) implements RegistryEvent {}

  /**
   * A subject's own compatibility level was removed: the global level applies again; or, when
   * {@code subject} is null, the global level was: the default applies again.
   *
   * @param subject the subject, or null for the global level
   */
  record CompatibilityCleared(String subject) implements RegistryEvent {}

  /**
   * A subject's mode was set, or the global one when {@code subject} is null.
   *
   * @param subject the subject, or null for the global mode
   * @param mode the new mode
   */
  record ModeSet(String subject, RegistryMode mode) implements RegistryEvent {}

  /**
   * A subject's own mode was removed: the global mode applies again; or, when {@code subject} is
   * null, the global mode was: {@link RegistryMode#READWRITE} applies again.
   *
   * @param subject the subject, or null for the global mode
   */
  record ModeCleared(String subject) implements RegistryEvent {}

  /**
   * An id and a version a stored registration took for a schema this registry cannot serve (another
   * schema type, references, a schema it cannot parse): the id is never given to another schema, so
   * that what was written with it is not read with the wrong one, and the version is never written
   * over, which would delete the registration when the topic is compacted.
   *
   * @param id the id
   * @param subject the subject it was registered under
   * @param version its version there
   */
  record IdTaken(int id, String subject, int version) implements RegistryEvent {}
}
