package io.tideway.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class ProgressWindowTest {

  @Test
  void shouldPrintAWindowAsKafkaProducerPerfTestDoesPrefixedByThePhase() {
    // given five seconds in which 499,851 records of 100 bytes completed
    ProgressWindow window =
        new ProgressWindow(ProgressWindow.MEASURE, 499_851, 49_985_100, 5_000_000_000L, 2.1, 275.0);

    // when / then
    assertThat(window.line())
        .isEqualTo(
            "[measure] 499851 records sent, 99970.2 records/sec (9.53 MB/sec), 2.1 ms avg"
                + " latency, 275.0 ms max latency.");
  }

  @Test
  void shouldTakeItsFiguresFromTheWindowsHistogram() {
    // given two completions, of 1 ms and 3 ms, in one second
    Histogram micros = LatencyRecording.newHistogram();
    micros.recordValue(1_000);
    micros.recordValue(3_000);

    // when
    ProgressWindow window = ProgressWindow.of(ProgressWindow.WARM_UP, micros, 1_000_000_000L, 100);

    // then
    assertThat(window.line())
        .isEqualTo(
            "[warm-up] 2 records sent, 2.0 records/sec (0.00 MB/sec), 2.0 ms avg latency, 3.0 ms"
                + " max latency.");
  }

  @Test
  void shouldPrintAnEmptyWindowWithoutNaN() {
    ProgressWindow window =
        ProgressWindow.of(ProgressWindow.MEASURE, LatencyRecording.newHistogram(), 0, 100);

    assertThat(window.line())
        .isEqualTo(
            "[measure] 0 records sent, 0.0 records/sec (0.00 MB/sec), 0.0 ms avg latency, 0.0 ms"
                + " max latency.");
  }

  @Test
  void shouldCallTheRecordsWhatTheScenarioSends() {
    Histogram micros = LatencyRecording.newHistogram();
    micros.recordValue(1_000);

    ProgressWindow window =
        ProgressWindow.of(ProgressWindow.MEASURE, micros, 1_000_000_000L, 100, "requests");

    assertThat(window.line())
        .isEqualTo(
            "[measure] 1 requests sent, 1.0 requests/sec (0.00 MB/sec), 1.0 ms avg latency, 1.0 ms"
                + " max latency.");
  }
}
