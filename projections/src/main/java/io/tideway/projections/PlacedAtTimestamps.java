package io.tideway.projections;

import io.tideway.contracts.order.OrderPlaced;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Event time for the order events: an order's placement time for {@code OrderPlaced}, so the sales
 * windows count orders when they were placed, not when they reached Kafka. A placement time that
 * cannot be true (not positive, or ahead of this clock by more than {@link #MAX_CLOCK_SKEW_MS})
 * falls back to the record's timestamp, so it cannot move stream time; {@link SalesAnalytics} then
 * drops and counts the order.
 */
final class PlacedAtTimestamps implements TimestampExtractor {

  /** How far ahead of this machine's clock a placement time may be and still be believed. */
  static final long MAX_CLOCK_SKEW_MS = 60_000;

  @Override
  public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
    if (record.value() instanceof OrderPlaced placed && isValid(placed)) {
      return placed.getPlacedAt().toEpochMilli();
    }
    return record.timestamp();
  }

  static boolean isValid(OrderPlaced placed) {
    long at = placed.getPlacedAt().toEpochMilli();
    return at > 0 && at <= System.currentTimeMillis() + MAX_CLOCK_SKEW_MS;
  }
}
