package io.tideway.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class DeadLetterLimitTest {

  private static final List<String> PLACE = List.of("topic", "offset");
  private static final List<String> DESCRIPTION = List.of("exception", "message", "stacktrace");

  @Test
  void countsKeyValueAndHeadersWithRoomForKafkasOwnFields() {
    Headers headers = headers("x".repeat(100), "trace");
    int size = DeadLetterLimit.size(3, 1_000, headers);

    assertThat(size).isGreaterThan(3 + 1_000 + 100);
    assertThat(new DeadLetterLimit(size).fits(size)).isTrue();
    assertThat(new DeadLetterLimit(size - 1).fits(size)).isFalse();
    assertThat(DeadLetterLimit.size(-1, -1, new RecordHeaders()))
        .isEqualTo(DeadLetterLimit.size(0, 0, new RecordHeaders()));
  }

  @Test
  void keepsThePlaceWholeAndCutsTheDescriptionBetweenCharacters() {
    // A message of 3-byte characters (a payload quoted in an exception, say), past the budget.
    Headers headers = headers("€".repeat(10_000), "at x\n".repeat(5_000));

    Headers kept = new DeadLetterLimit(64 << 10).withoutBytes(headers, 1 << 20, PLACE, DESCRIPTION);

    assertThat(text(kept, "topic")).isEqualTo("orders");
    assertThat(text(kept, "offset")).isEqualTo("12");
    assertThat(kept.lastHeader("id")).isNull();
    String message = text(kept, "message");
    assertThat(message).matches("€+");
    assertThat(message.getBytes(StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(DeadLetterLimit.DESCRIPTION_KEPT)
        .isGreaterThan(DeadLetterLimit.DESCRIPTION_KEPT - 3);
    assertThat(kept.lastHeader("stacktrace").value()).hasSize(DeadLetterLimit.DESCRIPTION_KEPT);
    assertThat(text(kept, DeadLetterLimit.OMITTED_HEADER))
        .isEqualTo(
            "a dead letter of about 1048576 bytes, over the limit of 65536: the record's key, value"
                + " and headers are left out; read the record from the topic, partition and offset"
                + " named");
  }

  @Test
  void leavesOutEachPartOfTheDescriptionThatDoesNotFitEvenCut() {
    Headers headers = headers("m".repeat(10_000), "t".repeat(10_000));

    Headers kept = new DeadLetterLimit(4_096).withoutBytes(headers, 30_000, PLACE, DESCRIPTION);

    assertThat(text(kept, "offset")).isEqualTo("12");
    assertThat(text(kept, "exception")).isEqualTo("java.lang.IllegalStateException");
    assertThat(kept.lastHeader("message")).isNull();
    assertThat(kept.lastHeader("stacktrace")).isNull();
    assertThat(kept.lastHeader(DeadLetterLimit.OMITTED_HEADER)).isNotNull();
  }

  @Test
  void takesTheProducersLimitUpToTheBrokersDefault() {
    assertThat(DeadLetterLimit.forProducer(null).limit()).isEqualTo(DeadLetterLimit.DEFAULT);
    assertThat(DeadLetterLimit.forProducer(" 524288 ").limit()).isEqualTo(524_288);
    assertThat(DeadLetterLimit.forProducer(524_288).limit()).isEqualTo(524_288);
    assertThat(DeadLetterLimit.forProducer(8 << 20).limit()).isEqualTo(DeadLetterLimit.DEFAULT);
  }

  private static Headers headers(String message, String stackTrace) {
    Headers headers = new RecordHeaders();
    headers.add("id", "event-1".getBytes(StandardCharsets.UTF_8));
    headers.add("topic", "orders".getBytes(StandardCharsets.UTF_8));
    headers.add("offset", "12".getBytes(StandardCharsets.UTF_8));
    headers.add("exception", "java.lang.IllegalStateException".getBytes(StandardCharsets.UTF_8));
    headers.add("message", message.getBytes(StandardCharsets.UTF_8));
    headers.add("stacktrace", stackTrace.getBytes(StandardCharsets.UTF_8));
    return headers;
  }

  private static String text(Headers headers, String name) {
    return new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}
