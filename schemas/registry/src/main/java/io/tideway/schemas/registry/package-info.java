/**
 * The schema registry server: Confluent Schema Registry's REST API (the subset Tideway uses) over a
 * compacted Kafka topic. {@link io.tideway.schemas.registry.SchemaRegistryServer} is the whole
 * public API; the registry's rules are {@link io.tideway.schemas.client.RegistryState}'s.
 */
package io.tideway.schemas.registry;
