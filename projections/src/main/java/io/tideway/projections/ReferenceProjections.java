package io.tideway.projections;

import io.tideway.projections.model.OrderView;
import io.tideway.topics.Topic;
import io.tideway.topics.Topics;
import io.tideway.topology.TopologyContext;
import io.tideway.topology.TopologyProvider;
import io.tideway.topology.dedupe.Deduplicate;
import io.tideway.topology.history.AggregateHistory;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;

/**
 * The reference projections: read models and analytics over the customer and order events. Every
 * store is queryable through the runtime; see the package documentation for what each holds.
 */
public final class ReferenceProjections implements TopologyProvider {

  /** The deployment's name, and its application id. */
  public static final String NAME = "reference-projections";

  /** The aggregate types whose histories it keeps, in stores {@code customer-history} and so on. */
  static final String CUSTOMER = "customer";

  static final String ORDER = "order";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String applicationId() {
    return NAME;
  }

  @Override
  public Set<Topic<?, ?>> inputs() {
    return Set.of(Topics.CUSTOMER_EVENTS, Topics.ORDER_EVENTS);
  }

  @Override
  public Set<Topic<?, ?>> outputs() {
    return Set.of();
  }

  @Override
  public Topology build(TopologyContext context) {
    StreamsBuilder builder = context.streamsBuilder();
    KStream<String, SpecificRecord> customerEvents =
        Deduplicate.<String, SpecificRecord>byEventId("customer-events-dedupe")
            .apply(
                builder.stream(
                    context.topicName(Topics.CUSTOMER_EVENTS),
                    context.consumed(Topics.CUSTOMER_EVENTS)));
    KStream<String, SpecificRecord> orderEvents =
        Deduplicate.<String, SpecificRecord>byEventId("order-events-dedupe")
            .apply(
                builder.stream(
                    context.topicName(Topics.ORDER_EVENTS),
                    context
                        .consumed(Topics.ORDER_EVENTS)
                        .withTimestampExtractor(new PlacedAtTimestamps())));
    AggregateHistory.record(builder, context, CUSTOMER, customerEvents);
    AggregateHistory.record(builder, context, ORDER, orderEvents);
    KTable<String, OrderView> orders = OrderViews.build(orderEvents, context);
    CustomerOrdersViews.build(builder, customerEvents, orders, context);
    SalesAnalytics.build(builder, orderEvents, context);
    return builder.build();
  }
}
