/**
 * {@code tideway loadtest dedupe}: deduplication by event id against a passthrough and against the
 * window-store deduplication of Kafka Streams' examples, side by side on one broker.
 */
package io.tideway.loadtest.dedupe;
