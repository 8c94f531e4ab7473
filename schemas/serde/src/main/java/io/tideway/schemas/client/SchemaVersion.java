package io.tideway.schemas.client;

/**
 * A registered version of a subject.
 *
 * @param subject the subject
 * @param version the version number within the subject, from 1
 * @param id the schema's global id: the same schema has the same id in every subject
 * @param schema the schema text in canonical form
 * @param deleted whether the version was soft-deleted
 */
public record SchemaVersion(String subject, int version, int id, String schema, boolean deleted) {}
