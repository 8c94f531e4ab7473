package io.tideway.topology;

import io.tideway.topics.Topic;
import java.util.Set;
import org.apache.kafka.streams.Topology;

/**
 * A stream-processing application a topology jar offers for deployment, found with {@link
 * java.util.ServiceLoader}: the jar lists its providers in {@code
 * META-INF/services/io.tideway.topology.TopologyProvider}.
 *
 * <p>A provider is pure: {@link #build} returns a {@link Topology} and touches no network,
 * environment or {@code KafkaStreams}, so the same code runs in the runtime and in {@code
 * TopologyTestDriver}. Every processor, store and internal topic is named explicitly, so a new
 * version of the topology keeps its state; the runtime refuses a topology with a generated name.
 */
public interface TopologyProvider {

  /** The deployment's name, unique in a runtime, e.g. {@code customer-view}. */
  String name();

  /**
   * The Kafka Streams {@code application.id}: names the consumer group, the internal topics and the
   * dead-letter topic {@code <applicationId>.dlq}. Unique in a cluster.
   */
  String applicationId();

  /** The topics the topology reads. */
  Set<Topic<?, ?>> inputs();

  /** The topics the topology writes, dead letters aside. */
  Set<Topic<?, ?>> outputs();

  /**
   * Builds the topology.
   *
   * @param context topic names, registry-bound serdes and the deployment's settings
   */
  Topology build(TopologyContext context);
}
