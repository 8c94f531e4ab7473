package io.tideway.projections;

import io.tideway.contracts.order.OrderPlaced;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the sales windows do with orders whose time cannot be used: an order whose placement time is
 * impossible (see {@link PlacedAtTimestamps}) or late (placed more than {@link
 * SalesAnalytics#GRACE} before the task's stream time: the latest time of the order events it has
 * read, placements by their placement time, decisions and address updates by their commit's) is
 * dropped and counted, in {@code
 * kafka_stream_tideway_projections_invalid_time_orders_dropped_total} and {@code
 * …_late_orders_dropped_total}. The read models still show such orders; only the sales figures
 * leave them out.
 */
final class LateOrderPolicy implements FixedKeyProcessor<String, OrderPlaced, OrderPlaced> {

  static final String NAME = "late-order-policy";
  static final String METRIC_SCOPE = "tideway-projections";

  private static final Logger log = LoggerFactory.getLogger(LateOrderPolicy.class);

  private FixedKeyProcessorContext<String, OrderPlaced> context;
  private Sensor late;
  private Sensor invalid;

  @Override
  public void init(FixedKeyProcessorContext<String, OrderPlaced> context) {
    this.context = context;
    String entity = NAME + "." + context.taskId();
    late =
        context
            .metrics()
            .addRateTotalSensor(
                METRIC_SCOPE, entity, "late-orders-dropped", Sensor.RecordingLevel.INFO);
    invalid =
        context
            .metrics()
            .addRateTotalSensor(
                METRIC_SCOPE, entity, "invalid-time-orders-dropped", Sensor.RecordingLevel.INFO);
  }

  @Override
  public void process(FixedKeyRecord<String, OrderPlaced> record) {
    if (!PlacedAtTimestamps.isValid(record.value(), record.timestamp())) {
      invalid.record();
      log.warn(
          "Order {} has an impossible placement time {}; left out of the sales figures",
          record.key(),
          record.value().getPlacedAt());
      return;
    }
    if (record.timestamp() + SalesAnalytics.GRACE.toMillis() < context.currentStreamTimeMs()) {
      late.record();
      log.debug(
          "Order {} placed at {} is late; left out of the sales figures",
          record.key(),
          record.value().getPlacedAt());
      return;
    }
    context.forward(record);
  }

  @Override
  public void close() {
    context.metrics().removeSensor(late);
    context.metrics().removeSensor(invalid);
  }
}
