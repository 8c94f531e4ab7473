/**
 * What a Spring Boot service needs to live on the platform, as auto-configuration: the outbox in
 * the service's own transactions ({@link io.tideway.outbox.TransactionalOutbox}) and its migration
 * after the service's own, RFC 9457 problem responses for every refused request, entity versions as
 * {@code ETag}s, retries and a dead-letter topic for Kafka listeners, and an end to the service
 * when the platform process that started it ends.
 */
package io.tideway.services.starter;
