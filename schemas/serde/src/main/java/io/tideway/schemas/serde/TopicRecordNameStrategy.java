package io.tideway.schemas.serde;

import org.apache.avro.Schema;

/**
 * One subject per topic and record type, {@code <topic>-<full record name>}: several record types
 * in a topic, each evolving on its own within that topic. Confluent's {@code
 * io.confluent.kafka.serializers.subject.TopicRecordNameStrategy}.
 */
public final class TopicRecordNameStrategy implements SubjectNameStrategy {

  @Override
  public String subjectName(String topic, boolean isKey, Schema schema) {
    return topic + "-" + schema.getFullName();
  }
}
