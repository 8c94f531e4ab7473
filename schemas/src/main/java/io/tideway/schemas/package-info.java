/** Avro contracts, the Confluent wire-format serde and the schema registry. */
package io.tideway.schemas;
