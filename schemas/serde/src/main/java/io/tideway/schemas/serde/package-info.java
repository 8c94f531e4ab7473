/**
 * Kafka serializer, deserializer and Streams serde for Avro records in Confluent's wire format,
 * configured with Confluent's keys: {@link io.tideway.schemas.serde.AvroSerializer}, {@link
 * io.tideway.schemas.serde.AvroDeserializer}, {@link io.tideway.schemas.serde.AvroSerde} and {@link
 * io.tideway.schemas.serde.AvroSerdeConfig}.
 */
package io.tideway.schemas.serde;
