/**
 * The handlers the runtime configures by default: records that fail to be read, processed or
 * written go to the application's dead-letter topic {@code <applicationId>.dlq} with Kafka Streams'
 * error headers ({@code __streams.errors.exception}, {@code .message}, {@code .stacktrace}, {@code
 * .topic}, {@code .partition}, {@code .offset}) and processing continues; a failure caused by an
 * outage of the schema registry fails the stream thread instead, so the record is read again. While
 * a rebuild replays history ({@link io.tideway.topology.SideEffects} not live) a failing record is
 * skipped without a dead letter: the deployment it replaces dead-lettered it when it happened.
 */
package io.tideway.topology.runtime.errors;
