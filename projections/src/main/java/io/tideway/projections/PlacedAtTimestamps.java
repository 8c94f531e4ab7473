package io.tideway.projections;

import io.tideway.contracts.order.OrderPlaced;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Event time for the order events: an order's placement time for {@code OrderPlaced}, so the sales
 * windows count orders when they were placed, not when they reached Kafka. A placement time that
 * cannot be true (not positive, or later than the record's own timestamp, its outbox commit, by
 * more than {@link #MAX_CLOCK_SKEW_MS}) falls back to the record's timestamp, so it cannot move
 * stream time; {@link LateOrderPolicy} then drops and counts the order. Judged against the record,
 * not this machine's clock, so that a replay decides as the first pass did.
 */
final class PlacedAtTimestamps implements TimestampExtractor {

  /** How far ahead of its record's timestamp a placement time may be and still be believed. */
  static final long MAX_CLOCK_SKEW_MS = 60_000;

  @Override
  public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
    if (record.value() instanceof OrderPlaced placed) {
      long at = placed.getPlacedAt().toEpochMilli();
      if (at > 0 && at <= record.timestamp() + MAX_CLOCK_SKEW_MS) {
        return at;
      }
    }
    return record.timestamp();
  }

  /**
   * Whether an order's placement time was taken as its event time: a record with another time fell
   * back to its own timestamp.
   */
  static boolean isValid(OrderPlaced placed, long eventTime) {
    return placed.getPlacedAt().toEpochMilli() == eventTime;
  }
}
