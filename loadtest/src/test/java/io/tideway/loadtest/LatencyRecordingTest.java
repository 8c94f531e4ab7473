package io.tideway.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LatencyRecordingTest {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long START = 1_000 * MS;
  private static final long MEASURE_START = START + 5_000 * MS;

  private final LatencyRecording recording = new LatencyRecording(100);

  @Test
  void shouldMeasureOnlyRecordsIntendedInTheMeasuredPhase() {
    // given
    recording.begin(START, MEASURE_START);

    // when a warm-up record completes late, inside the measured phase, and a measured one after
    recording.record(MEASURE_START - MS, MEASURE_START + 10 * MS);
    recording.record(MEASURE_START, MEASURE_START + 1_500_000);
    List<ProgressWindow> windows = recording.takeWindows(MEASURE_START + 20 * MS, true);

    // then the warm-up record shows in progress but is not measured
    assertThat(recording.measuredCount()).isEqualTo(1);
    assertThat(recording.lastMeasuredNanos()).isEqualTo(MEASURE_START + 1_500_000);
    assertThat(windows)
        .extracting(ProgressWindow::phase, ProgressWindow::records)
        .containsExactly(tuple(ProgressWindow.WARM_UP, 1L), tuple(ProgressWindow.MEASURE, 1L));
    assertThat(recording.measuredTotal().getTotalCount()).isEqualTo(1);
    assertThat(recording.measuredTotal().getMaxValue()).isEqualTo(1_500);
  }

  @Test
  void shouldAccumulateTheMeasuredTotalAcrossWindows() {
    // given
    recording.begin(START, START);

    // when
    recording.record(START, START + MS);
    recording.takeWindows(START + 5_000 * MS, true);
    recording.record(START + MS, START + 3 * MS);
    List<ProgressWindow> second = recording.takeWindows(START + 10_000 * MS, true);

    // then each window has its own records, the total has all
    assertThat(second).singleElement().extracting(ProgressWindow::records).isEqualTo(1L);
    assertThat(second.get(0).elapsedNanos()).isEqualTo(5_000 * MS);
    assertThat(recording.measuredTotal().getTotalCount()).isEqualTo(2);
  }

  @Test
  void shouldShowTheCurrentPhaseEvenWhenNothingCompleted() {
    recording.begin(START, MEASURE_START);

    assertThat(recording.takeWindows(START + MS, false))
        .extracting(ProgressWindow::phase)
        .containsExactly(ProgressWindow.WARM_UP);
  }

  @Test
  void shouldClampLatenciesItCannotTrack() {
    // given
    recording.begin(START, START);

    // when one completes "before" it was due and one after more than an hour
    recording.record(START + 10 * MS, START);
    recording.record(START, START + TimeUnit.HOURS.toNanos(2));
    recording.takeWindows(START, true);

    // then both count, at the bounds
    assertThat(recording.measuredTotal().getTotalCount()).isEqualTo(2);
    assertThat(recording.measuredTotal().getMinValue()).isZero();
    assertThat(recording.measuredTotal().getMaxValue())
        .isGreaterThanOrEqualTo(LatencyRecording.HIGHEST_TRACKABLE_MICROS);
  }
}
