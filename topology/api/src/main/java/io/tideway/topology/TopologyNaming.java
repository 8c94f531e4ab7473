package io.tideway.topology;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;

/**
 * Finds the stores and internal topics of a topology whose names Kafka Streams generated: names
 * like {@code KSTREAM-AGGREGATE-STATE-STORE-0000000003} or {@code prices-STATE-STORE-0000000001}
 * change when the topology changes, and with them the state a new version of the application would
 * find, so the runtime refuses them.
 */
public final class TopologyNaming {

  /**
   * Names from an operator's generated name ({@code KSTREAM-AGGREGATE-STATE-STORE-0000000003}), and
   * those of a table read from a topic without a store name ({@code
   * prices-STATE-STORE-0000000001}).
   */
  private static final Pattern GENERATED =
      Pattern.compile("K(STREAM|TABLE)-[A-Z-]+-\\d{10}.*|.+-STATE-STORE-\\d{10}");

  private TopologyNaming() {}

  /**
   * The generated names of a topology's stores and internal topics, sorted; empty when every one is
   * named explicitly.
   */
  public static Set<String> generatedNames(Topology topology) {
    Set<String> generated = new TreeSet<>();
    TopologyDescription description = topology.describe();
    for (TopologyDescription.Subtopology subtopology : description.subtopologies()) {
      for (TopologyDescription.Node node : subtopology.nodes()) {
        if (node instanceof TopologyDescription.Processor) {
          ((TopologyDescription.Processor) node).stores().forEach(name -> add(generated, name));
        } else if (node instanceof TopologyDescription.Source) {
          Set<String> topics = ((TopologyDescription.Source) node).topicSet();
          if (topics != null) {
            topics.forEach(name -> add(generated, name));
          }
        } else if (node instanceof TopologyDescription.Sink) {
          add(generated, ((TopologyDescription.Sink) node).topic());
        }
      }
    }
    for (TopologyDescription.GlobalStore store : description.globalStores()) {
      store.processor().stores().forEach(name -> add(generated, name));
    }
    return generated;
  }

  /** Whether Kafka Streams generated the name, which may then change with the topology. */
  static boolean generated(String name) {
    return GENERATED.matcher(name).matches();
  }

  private static void add(Set<String> generated, String name) {
    if (name != null && generated(name)) {
      generated.add(name);
    }
  }
}
