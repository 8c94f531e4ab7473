/**
 * The typed catalogue of the platform's topics ({@link io.tideway.topics.Topics}): every topic the
 * outbox relay, the schema registry and the topology runtime create, with its partitions, settings
 * and serdes, so no module names a topic with a string literal of its own.
 */
package io.tideway.topics;
