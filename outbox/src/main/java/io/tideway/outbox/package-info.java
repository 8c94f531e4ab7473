/** The transactional outbox writer and the relay that carries outbox rows to Kafka. */
package io.tideway.outbox;
