package io.tideway.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;

class OpenLoopSenderTest {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long START = 7 * MS;

  private final ManualTicker ticker = new ManualTicker(START);
  private final List<String> progress = new ArrayList<>();
  private final List<Long> intended = new ArrayList<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private boolean stop;

  @Test
  void shouldSendWarmupRecordsUnmeasuredThenTheMeasuredRecords() throws Exception {
    // given 1,000 records/s with a 1 s warm-up and 500 measured records
    LoadSettings settings = settings(1_000, null, 500L, Duration.ofSeconds(1));
    LatencyRecording recording = new LatencyRecording(100);

    // when each record completes 2 ms after its intended time
    OpenLoopSender.Outcome outcome = sender(settings, recording).run(completingAfter(recording, 2));

    // then
    assertThat(intended).hasSize(1_500);
    assertThat(outcome.sent()).isEqualTo(500);
    assertThat(outcome.measureStartNanos()).isEqualTo(START + 1_000 * MS);
    assertThat(recording.measuredCount()).isEqualTo(500);
    assertThat(intended.get(1_000)).isEqualTo(outcome.measureStartNanos());
    assertThat(progress.get(0))
        .isEqualTo(
            "[warm-up] 1000 records sent, 1000.0 records/sec (0.10 MB/sec), 2.0 ms avg latency,"
                + " 2.0 ms max latency.");
    assertThat(progress.get(progress.size() - 1)).startsWith("[measure] 500 records sent,");
  }

  @Test
  void shouldNotPrintASliverOfWarmupWhenAWindowClosedJustBeforeTheMeasuredPhase() throws Exception {
    // given a sender that falls 60 ms behind just before the end of a 5 s warm-up
    LoadSettings settings = settings(1_000, null, 100L, Duration.ofSeconds(5));
    LatencyRecording recording = new LatencyRecording(100);
    Workload lagging =
        (sequence, intendedNanos) -> {
          intended.add(intendedNanos);
          recording.record(intendedNanos, intendedNanos + MS);
          if (sequence == 4_949) {
            ticker.advance(60 * MS);
          }
        };

    // when
    sender(settings, recording).run(lagging);

    // then the regular window, closed late, shows the warm-up, and no sliver follows it
    assertThat(progress.get(0)).startsWith("[warm-up] 4950 records sent, 988.2 records/sec");
    assertThat(progress.get(1)).startsWith("[measure] 100 records sent,");
    assertThat(progress).hasSize(2);
  }

  @Test
  void shouldSendOnTheScheduleWithoutDrift() throws Exception {
    // given
    LoadSettings settings = settings(3, Duration.ofSeconds(10), null, Duration.ZERO);
    LatencyRecording recording = new LatencyRecording(100);

    // when
    sender(settings, recording).run(completingAfter(recording, 1));

    // then records went out exactly when due, 30 of them in 10 s
    assertThat(intended).hasSize(30);
    for (int n = 0; n < intended.size(); n++) {
      assertThat(intended.get(n)).isEqualTo(START + n * 1_000_000_000L / 3);
    }
  }

  @Test
  void shouldStopAtWhicheverBoundComesFirst() throws Exception {
    // given 100 records/s for 2 s, but at most 50 records
    LatencyRecording recording = new LatencyRecording(100);
    LoadSettings settings = settings(100, Duration.ofSeconds(2), 50L, Duration.ZERO);

    // when
    OpenLoopSender.Outcome outcome = sender(settings, recording).run(completingAfter(recording, 1));

    // then
    assertThat(outcome.sent()).isEqualTo(50);
    assertThat(intended).hasSize(50);
  }

  @Test
  void shouldUseTheActualSendTimeWhenUnthrottled() throws Exception {
    // given as fast as possible for 1 s, each send taking 1 ms
    LatencyRecording recording = new LatencyRecording(100);
    LoadSettings settings = settings(-1, Duration.ofSeconds(1), null, Duration.ZERO);

    // when
    OpenLoopSender.Outcome outcome =
        sender(settings, recording)
            .run(
                (sequence, intendedNanos) -> {
                  intended.add(intendedNanos);
                  ticker.advance(MS);
                  recording.record(intendedNanos, ticker.nanoTime());
                });

    // then
    assertThat(outcome.sent()).isEqualTo(1_000);
    assertThat(intended.get(999) - intended.get(0)).isEqualTo(999 * MS);
    assertThat(ticker.parks()).isZero();
  }

  @Test
  void shouldPrintProgressEveryFiveSeconds() throws Exception {
    // given 100 records/s for 12 s
    LatencyRecording recording = new LatencyRecording(100);
    LoadSettings settings = settings(100, Duration.ofSeconds(12), null, Duration.ZERO);

    // when
    sender(settings, recording).run(completingAfter(recording, 1));

    // then two full windows and the last part
    assertThat(progress).hasSize(3);
    assertThat(progress.get(0)).startsWith("[measure] 500 records sent, 100.0 records/sec");
    assertThat(progress.get(1)).startsWith("[measure] 500 records sent, 100.0 records/sec");
    assertThat(progress.get(2)).startsWith("[measure] 200 records sent,");
  }

  @Test
  void shouldGiveUpOnRecordsThatDoNotCompleteWithinTheDrainTimeout() throws Exception {
    // given every tenth record is lost
    LatencyRecording recording = new LatencyRecording(100);
    LoadSettings settings = settings(1_000, null, 100L, Duration.ZERO);
    Workload losing = completingAfter(recording, 1, sequence -> sequence % 10 != 0);

    // when
    OpenLoopSender.Outcome outcome = sender(settings, recording).run(losing);
    long finished = ticker.nanoTime();

    // then the run waits the drain timeout after the last completion, no longer, and 10 records
    // are missing
    assertThat(outcome.sent()).isEqualTo(100);
    assertThat(recording.measuredCount()).isEqualTo(90);
    assertThat(finished - intended.get(99)).isBetween(3_000 * MS, 3_020 * MS);
  }

  @Test
  void shouldKeepWaitingWhileMeasuredRecordsKeepCompleting() throws Exception {
    // given 10 records that complete after the sending, one every 2 s: 20 s in all, each gap
    // shorter than the 3 s drain timeout
    LatencyRecording recording = new LatencyRecording(100);
    LoadSettings settings = settings(1_000, null, 10L, Duration.ZERO);
    Deque<Long> pending = new ArrayDeque<>();
    Workload slow =
        (sequence, intendedNanos) -> {
          intended.add(intendedNanos);
          pending.add(intendedNanos);
        };
    long[] lastCompletion = {START};
    ticker.onPark(
        () -> {
          if (!pending.isEmpty() && ticker.nanoTime() - lastCompletion[0] >= 2_000 * MS) {
            lastCompletion[0] = ticker.nanoTime();
            recording.record(pending.poll(), lastCompletion[0]);
          }
        });

    // when
    OpenLoopSender.Outcome outcome = sender(settings, recording).run(slow);

    // then none is lost
    assertThat(outcome.sent()).isEqualTo(10);
    assertThat(recording.measuredCount()).isEqualTo(10);
    assertThat(outcome.endNanos() - intended.get(9)).isGreaterThan(19_000 * MS);
  }

  @Test
  void shouldFailWithTheWorkloadsFailure() {
    // given
    LatencyRecording recording = new LatencyRecording(100);
    LoadSettings settings = settings(1_000, null, 100L, Duration.ZERO);
    Workload failing =
        (sequence, intendedNanos) -> {
          if (sequence == 10) {
            failure.set(new IllegalStateException("broker said no"));
          }
        };

    // when / then
    assertThatThrownBy(() -> sender(settings, recording).run(failing))
        .isInstanceOf(LoadTestException.class)
        .hasMessageContaining("broker said no");
  }

  @Test
  void shouldStopWhenAsked() throws Exception {
    // given
    LatencyRecording recording = new LatencyRecording(100);
    LoadSettings settings = settings(1_000, null, 1_000L, Duration.ZERO);
    Workload stopping =
        (sequence, intendedNanos) -> {
          stop = sequence == 99;
        };

    // when
    OpenLoopSender.Outcome outcome = sender(settings, recording).run(stopping);

    // then
    assertThat(outcome.stopped()).isTrue();
    assertThat(outcome.sent()).isEqualTo(100);
  }

  private OpenLoopSender sender(LoadSettings settings, LatencyRecording recording) {
    return new OpenLoopSender(
        "test",
        settings,
        recording,
        ticker,
        progress::add,
        Duration.ofSeconds(3),
        () -> stop,
        failure::get);
  }

  private Workload completingAfter(LatencyRecording recording, long millis) {
    return completingAfter(recording, millis, sequence -> true);
  }

  private Workload completingAfter(
      LatencyRecording recording, long millis, LongPredicate completes) {
    return (sequence, intendedNanos) -> {
      intended.add(intendedNanos);
      if (completes.test(sequence)) {
        recording.record(intendedNanos, intendedNanos + millis * MS);
      }
    };
  }

  private static LoadSettings settings(
      long rate, Duration duration, Long records, Duration warmup) {
    return new LoadSettings(
        rate,
        Optional.ofNullable(duration),
        records == null ? OptionalLong.empty() : OptionalLong.of(records),
        100,
        warmup,
        3);
  }
}
