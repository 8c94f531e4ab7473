package io.tideway.services.starter;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.topics.DeadLetterLimit;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

  private static final DeadLetterLimit LIMIT = new DeadLetterLimit(64 << 10);

  @Test
  void sendsTheDeadLetterOfARecordWithinTheLimitAsItIs() {
    ProducerRecord<Object, Object> letter = letter(new byte[1_000]);

    assertThat(DeadLetters.fitted(letter, read(1_000), LIMIT)).isSameAs(letter);
  }

  @Test
  void sendsOneTooLargeWithoutTheRecordsBytesNamingItsPlace() {
    ProducerRecord<Object, Object> sent =
        DeadLetters.fitted(letter(new byte[100 << 10]), read(100 << 10), LIMIT);

    assertThat(sent.key()).isNull();
    assertThat(sent.value()).isNull();
    assertThat(sent.topic()).isEqualTo("service.dlq");
    assertThat(sent.headers().lastHeader("id")).isNull();
    assertThat(sent.headers().lastHeader("kafka_dlt-original-offset").value()).hasSize(8);
    assertThat(sent.headers().lastHeader("kafka_dlt-exception-message")).isNotNull();
    assertThat(sent.headers().lastHeader(DeadLetterLimit.OMITTED_HEADER)).isNotNull();
  }

  /** The record as the listener read it: the dead letter's size is the record's. */
  private static ConsumerRecord<String, byte[]> read(int valueSize) {
    return new ConsumerRecord<>(
        "inventory.events",
        1,
        12L,
        42L,
        TimestampType.CREATE_TIME,
        3,
        valueSize,
        "key",
        new byte[valueSize],
        new RecordHeaders(),
        Optional.empty());
  }

  private static ProducerRecord<Object, Object> letter(byte[] value) {
    RecordHeaders headers = new RecordHeaders();
    headers.add("id", "event-1".getBytes(StandardCharsets.UTF_8));
    headers.add("kafka_dlt-original-offset", new byte[8]);
    headers.add("kafka_dlt-exception-message", "boom".getBytes(StandardCharsets.UTF_8));
    return new ProducerRecord<>("service.dlq", null, 42L, "key", value, headers);
  }
}
