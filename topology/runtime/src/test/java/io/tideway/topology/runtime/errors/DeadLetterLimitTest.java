package io.tideway.topology.runtime.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class DeadLetterLimitTest {

  @Test
  void aDeadLetterWithinTheLimitGoesAsItIs() {
    ProducerRecord<byte[], byte[]> letter = letter(1_000, "x".repeat(100));

    assertThat(new DeadLetterLimit(4_096).apply(List.of(letter))).containsExactly(letter);
  }

  @Test
  void anOversizedDeadLetterKeepsOnlyTheErrorHeadersWithAShortenedStackTrace() {
    ProducerRecord<byte[], byte[]> letter = letter(5_000, "at x\n".repeat(4_000));

    ProducerRecord<byte[], byte[]> sent = new DeadLetterLimit(4_096).apply(List.of(letter)).get(0);

    assertThat(sent.key()).isNull();
    assertThat(sent.value()).isNull();
    assertThat(sent.topic()).isEqualTo("app.dlq");
    assertThat(sent.timestamp()).isEqualTo(42L);
    assertThat(sent.headers().lastHeader("id")).isNull();
    assertThat(text(sent, "__streams.errors.offset")).isEqualTo("7");
    assertThat(sent.headers().lastHeader("__streams.errors.stacktrace").value())
        .hasSize(DeadLetterLimit.STACKTRACE_KEPT);
    assertThat(text(sent, DeadLetterLimit.OMITTED_HEADER))
        .startsWith("key, value and headers of 25")
        .contains("over the dead-letter limit of 4096");
  }

  @Test
  void theLimitIsTheProducersAndAtMostTheBrokersDefault() {
    ProducerRecord<byte[], byte[]> letter = letter(600_000, "");

    assertThat(omitted(Map.of("producer.max.request.size", "524288"), letter)).isTrue();
    assertThat(omitted(Map.of("max.request.size", 524288), letter)).isTrue();
    assertThat(omitted(Map.of(), letter)).isFalse();
    assertThat(omitted(Map.of("max.request.size", "8388608"), letter(1_100_000, ""))).isTrue();
  }

  private static boolean omitted(Map<String, ?> configs, ProducerRecord<byte[], byte[]> letter) {
    return DeadLetterLimit.from(configs).apply(List.of(letter)).get(0).value() == null;
  }

  private static ProducerRecord<byte[], byte[]> letter(int valueSize, String stackTrace) {
    RecordHeaders headers = new RecordHeaders();
    headers.add("id", "event-1".getBytes(StandardCharsets.UTF_8));
    headers.add("__streams.errors.offset", "7".getBytes(StandardCharsets.UTF_8));
    headers.add("__streams.errors.stacktrace", stackTrace.getBytes(StandardCharsets.UTF_8));
    return new ProducerRecord<>(
        "app.dlq", null, 42L, "key".getBytes(StandardCharsets.UTF_8), new byte[valueSize], headers);
  }

  private static String text(ProducerRecord<byte[], byte[]> record, String header) {
    return new String(record.headers().lastHeader(header).value(), StandardCharsets.UTF_8);
  }
}
