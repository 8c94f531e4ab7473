package io.tideway.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecordStampTest {

  @Test
  void shouldCarryTheIntendedSendTimeAndSequenceInTheValue() {
    // given
    byte[] value = new byte[100];

    // when
    RecordStamp.write(value, -123_456_789L, 42);

    // then
    assertThat(RecordStamp.intendedNanos(value)).isEqualTo(-123_456_789L);
    assertThat(RecordStamp.sequence(value)).isEqualTo(42);
  }
}
