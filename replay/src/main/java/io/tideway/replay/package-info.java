/**
 * The operator tools behind {@code tideway replay}, on plain Kafka clients: {@link
 * io.tideway.replay.RecordCopy} copies a range of records from one topic to another, {@link
 * io.tideway.replay.DeadLetterRedrive} sends Kafka Streams' dead letters back to the topics they
 * came from. Both check their input before they write anything and end at the end offsets they saw
 * when they started, so they finish while producers keep writing.
 */
package io.tideway.replay;
