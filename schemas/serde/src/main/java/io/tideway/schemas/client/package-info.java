/**
 * The schema registry's rules and content ({@link io.tideway.schemas.client.RegistryState}), and
 * its clients: {@link io.tideway.schemas.client.HttpSchemaRegistryClient} for any registry with
 * Confluent's REST API, {@link io.tideway.schemas.client.CachedSchemaRegistryClient} in front of
 * it, {@link io.tideway.schemas.client.InMemorySchemaRegistry} and {@link
 * io.tideway.schemas.client.MockSchemaRegistry} for tests.
 */
package io.tideway.schemas.client;
