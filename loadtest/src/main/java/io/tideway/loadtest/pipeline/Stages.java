package io.tideway.loadtest.pipeline;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Where an event's time went, from three clocks of one machine (millisecond wall-clock times): its
 * {@code occurredAt} header, stamped when the service appended it to the outbox; when a consumer of
 * the run saw it on Kafka; when the runtime processed it ({@code processedAt} of the
 * read-your-writes answer); and when that answer arrived. An event's two halves, seen on Kafka and
 * answered, arrive in either order; whichever comes second completes it.
 */
final class Stages {

  static final String APPEND_TO_KAFKA = "outbox append → on Kafka";
  static final String KAFKA_TO_PROCESSED = "on Kafka → processed";
  static final String PROCESSED_TO_ANSWERED = "processed → answered";

  /** Events remembered at most while their other half is awaited; other traffic is dropped. */
  private static final int PENDING = 200_000;

  private record Seen(long occurredAt, long seenAt) {}

  private record Answered(long processedAt, long answeredAt) {}

  private final Map<String, Object> pending =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
          return size() > PENDING;
        }
      };
  private final Map<String, Histogram> histograms = new LinkedHashMap<>();

  Stages() {
    for (String stage : List.of(APPEND_TO_KAFKA, KAFKA_TO_PROCESSED, PROCESSED_TO_ANSWERED)) {
      histograms.put(stage, new Histogram(TimeUnit.MINUTES.toMicros(10), 3));
    }
  }

  /** A consumer saw the event on Kafka. */
  synchronized void seen(String eventId, long occurredAt, long seenAt) {
    Object other = pending.remove(eventId);
    if (other instanceof Answered answered) {
      complete(new Seen(occurredAt, seenAt), answered);
    } else {
      pending.put(eventId, new Seen(occurredAt, seenAt));
    }
  }

  /** A measured event's read-your-writes query was answered. */
  synchronized void answered(String eventId, long processedAt, long answeredAt) {
    Object other = pending.remove(eventId);
    if (other instanceof Seen seen) {
      complete(seen, new Answered(processedAt, answeredAt));
    } else {
      pending.put(eventId, new Answered(processedAt, answeredAt));
    }
  }

  private void complete(Seen seen, Answered answered) {
    add(APPEND_TO_KAFKA, seen.seenAt() - seen.occurredAt());
    // The run's consumer and the runtime's race for the same record: either may see it first.
    add(KAFKA_TO_PROCESSED, answered.processedAt() - seen.seenAt());
    add(PROCESSED_TO_ANSWERED, answered.answeredAt() - answered.processedAt());
  }

  private void add(String stage, long millis) {
    histograms.get(stage).recordValue(Math.max(0, millis) * 1_000);
  }

  /** Each stage's latencies in microseconds, in pipeline order. */
  synchronized Map<String, Histogram> histograms() {
    Map<String, Histogram> copy = new LinkedHashMap<>();
    histograms.forEach((stage, histogram) -> copy.put(stage, histogram.copy()));
    return copy;
  }
}
