package io.tideway.loadtest.query;

import io.tideway.topics.Topic;
import io.tideway.topics.Topics;
import io.tideway.topology.TopologyContext;
import io.tideway.topology.TopologyProvider;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The query benchmark's read model: the latest customer event per customer id, an Avro record per
 * key in a RocksDB key-value store, as a projection keeps it. Deployed from a jar the benchmark
 * packs ({@link LookupJar}), so it runs on the runtime exactly as a user's topology does.
 */
public final class CustomerLookups implements TopologyProvider {

  /** The deployment's name. */
  public static final String NAME = "loadtest-customer-lookups";

  /** The application id; the benchmark resets it before each run. */
  public static final String APPLICATION_ID = "tideway-loadtest-customer-lookups";

  /** The store the lookups read. */
  public static final String STORE = "loadtest-customers";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String applicationId() {
    return APPLICATION_ID;
  }

  @Override
  public Set<Topic<?, ?>> inputs() {
    return Set.of(Topics.CUSTOMER_EVENTS);
  }

  @Override
  public Set<Topic<?, ?>> outputs() {
    return Set.of();
  }

  @Override
  public Topology build(TopologyContext context) {
    StreamsBuilder builder = context.streamsBuilder();
    builder.table(
        context.topicName(Topics.CUSTOMER_EVENTS),
        context.consumed(Topics.CUSTOMER_EVENTS),
        Materialized.<String, SpecificRecord, KeyValueStore<Bytes, byte[]>>as(STORE)
            .withKeySerde(Serdes.String())
            .withValueSerde(context.valueSerde(Topics.CUSTOMER_EVENTS)));
    return builder.build();
  }
}
