package io.tideway.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ScheduleTest {

  private static final long START = 1_000_000L;
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private final ManualTicker ticker = new ManualTicker(START);

  @Test
  void shouldMakeRecordsDueAtTheRateFromTheStart() {
    // given
    Schedule schedule = Schedule.of(4, START, ticker);

    // when / then
    assertThat(schedule.dueNanos(0)).isEqualTo(START);
    assertThat(schedule.dueNanos(1)).isEqualTo(START + SECOND / 4);
    assertThat(schedule.dueNanos(2)).isEqualTo(START + SECOND / 2);
    assertThat(schedule.dueNanos(4)).isEqualTo(START + SECOND);
    assertThat(schedule.dueNanos(401)).isEqualTo(START + 100 * SECOND + SECOND / 4);
  }

  @Test
  void shouldNotDriftOverALongRunAtARateThatDoesNotDivideASecond() {
    // given a rate whose interval is not a whole number of nanoseconds
    long rate = 7;
    Schedule schedule = Schedule.of(rate, START, ticker);

    // when a day's worth of records is due
    long day = TimeUnit.DAYS.toSeconds(1);

    // then the last is due exactly a day later, and each matches the exact division, even where
    // n * 10^9 would overflow a long
    assertThat(schedule.dueNanos(rate * day)).isEqualTo(START + day * SECOND);
    for (long n : new long[] {1, 2, 3, 6, 1_000_003, 12_345_678_901L}) {
      long exact =
          BigInteger.valueOf(n)
              .multiply(BigInteger.valueOf(SECOND))
              .divide(BigInteger.valueOf(rate))
              .longValueExact();
      assertThat(schedule.dueNanos(n)).as("record %d", n).isEqualTo(START + exact);
    }
  }

  @Test
  void shouldKeepDueTimesIncreasingAtAHighRate() {
    // given
    Schedule schedule = Schedule.of(999_983, START, ticker);

    // when / then
    long previous = Long.MIN_VALUE;
    for (long n = 0; n < 3_000_000; n++) {
      long due = schedule.dueNanos(n);
      assertThat(due).isGreaterThan(previous);
      previous = due;
    }
    assertThat(schedule.dueNanos(999_983L * 3)).isEqualTo(START + 3 * SECOND);
  }

  @Test
  void shouldMakeUnthrottledRecordsDueWhenAskedAbout() {
    // given
    Schedule schedule = Schedule.of(LoadSettings.UNTHROTTLED, START, ticker);

    // when the clock moves between records
    long first = schedule.dueNanos(0);
    ticker.advance(12_345);
    long second = schedule.dueNanos(1);

    // then each is due at its actual send time, without waiting
    assertThat(schedule.unthrottled()).isTrue();
    assertThat(first).isEqualTo(START);
    assertThat(second).isEqualTo(START + 12_345);
    assertThat(schedule.awaitDue(second, Long.MAX_VALUE)).isTrue();
    assertThat(ticker.parks()).isZero();
  }

  @Test
  void shouldParkUntilARecordIsDueRatherThanSpin() {
    // given a record due in 3 ms
    Schedule schedule = Schedule.of(1_000, START, ticker);
    long due = schedule.dueNanos(3);

    // when
    boolean isDue = schedule.awaitDue(due, Long.MAX_VALUE);

    // then one park covered the whole wait
    assertThat(isDue).isTrue();
    assertThat(ticker.parks()).isEqualTo(1);
    assertThat(ticker.nanoTime()).isEqualTo(due);
  }

  @Test
  void shouldNotWaitForARecordThatIsOverdue() {
    // given a sender 2 seconds behind
    Schedule schedule = Schedule.of(1_000, START, ticker);
    ticker.advance(2 * SECOND);

    // when
    boolean isDue = schedule.awaitDue(schedule.dueNanos(5), Long.MAX_VALUE);

    // then it catches up at once
    assertThat(isDue).isTrue();
    assertThat(ticker.parks()).isZero();
  }

  @Test
  void shouldWakeEarlyForOtherWork() {
    // given a record due in 10 s and progress due in 5 s
    Schedule schedule = Schedule.of(1, START, ticker);

    // when
    boolean isDue = schedule.awaitDue(START + 10 * SECOND, START + 5 * SECOND);

    // then
    assertThat(isDue).isFalse();
    assertThat(ticker.nanoTime()).isEqualTo(START + 5 * SECOND);
  }

  @Test
  void shouldRejectARateThatIsNeitherPositiveNorUnthrottled() {
    assertThatThrownBy(() -> Schedule.of(0, START, ticker))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Schedule.of(-2, START, ticker))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
