package io.tideway.schemas.serde;

import org.apache.avro.Schema;

/**
 * Names the registry subject that a record's schema is registered and looked up under. Chosen with
 * {@code key.subject.name.strategy} and {@code value.subject.name.strategy}, which take a class
 * implementing this interface, with a public no-argument constructor, or one of Confluent's
 * strategy names, which map to {@link TopicNameStrategy}, {@link RecordNameStrategy} and {@link
 * TopicRecordNameStrategy}. A strategy that also implements {@link
 * org.apache.kafka.common.Configurable} receives the serde's configuration.
 *
 * <p>Implementations are thread-safe and give the same subject for the same arguments.
 */
public interface SubjectNameStrategy {

  /**
   * The subject for a record's key or value schema.
   *
   * @param topic the record's topic
   * @param isKey whether the schema is the key's
   * @param schema the record's schema
   */
  String subjectName(String topic, boolean isKey, Schema schema);
}
