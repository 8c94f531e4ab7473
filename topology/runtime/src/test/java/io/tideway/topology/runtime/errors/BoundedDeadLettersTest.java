package io.tideway.topology.runtime.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.topics.DeadLetterLimit;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class BoundedDeadLettersTest {

  @Test
  void sendsADeadLetterWithinTheLimitAsItIsNamingItsStage() {
    ProducerRecord<byte[], byte[]> letter = letter(1_000);

    assertThat(BoundedDeadLetters.from(Map.of()).apply(List.of(letter), "processing"))
        .containsExactly(letter);
    assertThat(letter.headers().lastHeader(ErrorCounts.STAGE_HEADER).value())
        .isEqualTo(
            "processing"
                .getBytes(
                    StandardCharsets
                        .UTF_8)); // Under the prefix a re-drive drops, with the other headers the
    // runtime adds.
    assertThat(ErrorCounts.STAGE_HEADER).startsWith("tideway.dead-letter.");
  }

  @Test
  void sendsOneTooLargeWithoutItsInputsBytesKeepingKafkaStreamsErrorHeaders() {
    ProducerRecord<byte[], byte[]> sent =
        BoundedDeadLetters.from(Map.of("max.request.size", 4_096))
            .apply(List.of(letter(5_000)), "production")
            .get(0);

    assertThat(sent.key()).isNull();
    assertThat(sent.value()).isNull();
    assertThat(sent.topic()).isEqualTo("app.dlq");
    assertThat(sent.timestamp()).isEqualTo(42L);
    assertThat(sent.headers().lastHeader("id")).isNull();
    assertThat(sent.headers().lastHeader("__streams.errors.offset").value())
        .isEqualTo("7".getBytes(StandardCharsets.UTF_8));
    assertThat(sent.headers().lastHeader("__streams.errors.message")).isNotNull();
    assertThat(sent.headers().lastHeader(DeadLetterLimit.OMITTED_HEADER)).isNotNull();
    assertThat(sent.headers().lastHeader(ErrorCounts.STAGE_HEADER).value())
        .isEqualTo("production".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void takesTheLimitOfTheProducerKafkaStreamsConfigures() {
    ProducerRecord<byte[], byte[]> letter = letter(600_000);

    assertThat(omitted(Map.of("producer.max.request.size", "524288"), letter)).isTrue();
    assertThat(
            omitted(
                Map.of("producer.max.request.size", "1048576", "max.request.size", "524288"),
                letter))
        .isFalse();
    assertThat(omitted(Map.of("max.request.size", 524_288), letter)).isTrue();
    assertThat(omitted(Map.of(), letter)).isFalse();
  }

  private static boolean omitted(Map<String, ?> configs, ProducerRecord<byte[], byte[]> letter) {
    return BoundedDeadLetters.from(configs).apply(List.of(letter), "processing").get(0).value()
        == null;
  }

  private static ProducerRecord<byte[], byte[]> letter(int valueSize) {
    RecordHeaders headers = new RecordHeaders();
    headers.add("id", "event-1".getBytes(StandardCharsets.UTF_8));
    headers.add("__streams.errors.offset", "7".getBytes(StandardCharsets.UTF_8));
    headers.add("__streams.errors.message", "boom".getBytes(StandardCharsets.UTF_8));
    return new ProducerRecord<>(
        "app.dlq", null, 42L, "key".getBytes(StandardCharsets.UTF_8), new byte[valueSize], headers);
  }
}
