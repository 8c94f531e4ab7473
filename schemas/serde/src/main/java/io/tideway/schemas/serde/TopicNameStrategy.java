package io.tideway.schemas.serde;

import org.apache.avro.Schema;

/**
 * The default: one subject per topic and side, {@code <topic>-key} or {@code <topic>-value}, so
 * that every record of a topic has one evolving schema. Confluent's {@code
 * io.confluent.kafka.serializers.subject.TopicNameStrategy}.
 */
public final class TopicNameStrategy implements SubjectNameStrategy {

  @Override
  public String subjectName(String topic, boolean isKey, Schema schema) {
    return topic + (isKey ? "-key" : "-value");
  }
}
