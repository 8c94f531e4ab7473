package io.tideway.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class SourceSpecTest {

  @Test
  void shouldReadATopicAsEveryPartitionFromTheStart() {
    assertThat(SourceSpec.parse("order.events"))
        .isEqualTo(new SourceSpec("order.events", OptionalInt.empty(), Optional.empty()));
  }

  @Test
  void shouldReadAPartitionWithOrWithoutAnOffset() {
    assertThat(SourceSpec.parse("order.events:2@150"))
        .isEqualTo(
            new SourceSpec(
                "order.events", OptionalInt.of(2), Optional.of(new LogPosition.Offset(150))));
    assertThat(SourceSpec.parse("order.events:2"))
        .isEqualTo(new SourceSpec("order.events", OptionalInt.of(2), Optional.empty()));
  }

  @Test
  void shouldReadATimeAsIso8601OrEpochMillis() {
    Instant time = Instant.parse("2026-12-01T10:00:00Z");

    assertThat(SourceSpec.parse("order.events@2026-12-01T10:00:00Z").start())
        .contains(new LogPosition.Time(time));
    assertThat(SourceSpec.parse("order.events@2026-12-01T11:00:00+01:00").start())
        .contains(new LogPosition.Time(time));
    assertThat(SourceSpec.parse("order.events@" + time.toEpochMilli()).start())
        .contains(new LogPosition.Time(time));
  }

  @Test
  void shouldWriteItselfAsItIsRead() {
    for (String spec :
        new String[] {"orders", "orders:2", "orders:2@150", "orders@2026-12-01T10:00:00Z"}) {
      assertThat(SourceSpec.parse(spec)).hasToString(spec);
    }
  }

  @Test
  void shouldRefuseMalformedSpecsNamingWhatIsWrong() {
    assertThatThrownBy(() -> SourceSpec.parse("orders:x@1"))
        .isInstanceOf(ReplayException.class)
        .hasMessageContaining("partition number")
        .hasMessageContaining("'x'");
    assertThatThrownBy(() -> SourceSpec.parse("orders:2@2026-12-01T10:00:00Z"))
        .isInstanceOf(ReplayException.class)
        .hasMessageContaining("comes an offset")
        .hasMessageContaining("orders@<time>");
    assertThatThrownBy(() -> SourceSpec.parse("orders@yesterday"))
        .isInstanceOf(ReplayException.class)
        .hasMessageContaining("Not a time")
        .hasMessageContaining("'yesterday'");
    assertThatThrownBy(() -> SourceSpec.parse("my topic"))
        .isInstanceOf(ReplayException.class)
        .hasMessageContaining("Not a topic name");
    assertThatThrownBy(() -> SourceSpec.parse(":1@2"))
        .isInstanceOf(ReplayException.class)
        .hasMessageContaining("Not a topic name");
  }

  @Test
  void shouldRefuseAnOffsetWithoutAPartition() {
    assertThatThrownBy(
            () ->
                new SourceSpec(
                    "orders", OptionalInt.empty(), Optional.of(new LogPosition.Offset(3))))
        .isInstanceOf(ReplayException.class)
        .hasMessageContaining("orders:<partition>@<offset>");
  }

  @Test
  void shouldReadAnUpperBoundAsAnOffsetOrATime() {
    Instant time = Instant.parse("2026-12-01T10:00:00Z");

    assertThat(LogPosition.parseBound("500")).isEqualTo(new LogPosition.Offset(500));
    assertThat(LogPosition.parseBound("2026-12-01T10:00:00Z"))
        .isEqualTo(new LogPosition.Time(time));
    assertThat(LogPosition.parseBound("@" + time.toEpochMilli()))
        .isEqualTo(new LogPosition.Time(time));
    assertThatThrownBy(() -> LogPosition.parseBound("soon"))
        .isInstanceOf(ReplayException.class)
        .hasMessageContaining("Neither an offset nor a time: 'soon'");
  }
}
