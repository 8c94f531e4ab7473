package io.tideway.loadtest.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class StagesTest {

  @Test
  void anEventsHalvesCompleteItInEitherOrder() {
    Stages stages = new Stages();

    // Appended at 1000, on Kafka at 1012, processed at 1020, answered at 1023.
    stages.seen("a", 1_000, 1_012);
    stages.answered("a", 1_020, 1_023);
    // The answer first this time: appended at 2000, processed at 2005, on Kafka at 2004.
    stages.answered("b", 2_005, 2_009);
    stages.seen("b", 2_000, 2_004);

    Map<String, Histogram> histograms = stages.histograms();
    assertThat(histograms.keySet())
        .containsExactly(
            Stages.APPEND_TO_KAFKA, Stages.KAFKA_TO_PROCESSED, Stages.PROCESSED_TO_ANSWERED);
    assertMillis(histograms.get(Stages.APPEND_TO_KAFKA), 12, 4);
    assertMillis(histograms.get(Stages.KAFKA_TO_PROCESSED), 8, 1);
    assertMillis(histograms.get(Stages.PROCESSED_TO_ANSWERED), 3, 4);
  }

  @Test
  void aRuntimeFasterThanTheRunsConsumerCountsNoNegativeTime() {
    Stages stages = new Stages();

    stages.seen("a", 1_000, 1_030);
    stages.answered("a", 1_020, 1_025);

    Histogram kafkaToProcessed = stages.histograms().get(Stages.KAFKA_TO_PROCESSED);
    assertThat(kafkaToProcessed.getTotalCount()).isEqualTo(1);
    assertThat(kafkaToProcessed.getMaxValue()).isZero();
  }

  @Test
  void anEventSeenOnlyOnKafkaCountsNothing() {
    Stages stages = new Stages();

    stages.seen("someone else's", 1_000, 1_010);
    stages.seen("someone else's", 1_000, 1_011);

    assertThat(stages.histograms().values()).allMatch(h -> h.getTotalCount() == 0);
  }

  private static void assertMillis(Histogram micros, long... millis) {
    assertThat(micros.getTotalCount()).isEqualTo(millis.length);
    for (long value : millis) {
      assertThat(micros.getCountAtValue(value * 1_000)).as("%d ms", value).isPositive();
    }
  }
}
