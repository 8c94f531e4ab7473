package io.tideway.schemas.serde;

import org.apache.avro.Schema;

/**
 * One subject per record type, its full name (such as {@code io.tideway.orders.OrderPlaced}),
 * whatever the topic: for topics carrying several record types, each evolving on its own across
 * topics. Confluent's {@code io.confluent.kafka.serializers.subject.RecordNameStrategy}.
 */
public final class RecordNameStrategy implements SubjectNameStrategy {

  @Override
  public String subjectName(String topic, boolean isKey, Schema schema) {
    return schema.getFullName();
  }
}
