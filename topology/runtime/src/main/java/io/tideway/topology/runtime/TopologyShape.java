package io.tideway.topology.runtime;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.tools.StreamsResetter;

/**
 * What a version of an application keeps between runs: its state stores (and with them their
 * changelog topics), their kinds, and its repartition topics. A new version that drops or renames
 * one of them would lose that state or the records in flight, and one that changes a store's kind
 * could not read its changelog, so the runtime refuses it unless reset.
 *
 * @param name the deployment's name
 * @param jar the jar it came from
 * @param stores its state stores
 * @param storeKinds the kind of each store ({@link StoreKinds}); empty when unknown, as in records
 *     written before kinds were
 * @param repartitionTopics its repartition topics (and the subscription topics of its foreign-key
 *     joins), without the application id prefix
 */
record TopologyShape(
    String name,
    String jar,
    Set<String> stores,
    Map<String, String> storeKinds,
    Set<String> repartitionTopics) {

  TopologyShape {
    stores = Set.copyOf(new TreeSet<>(stores));
    storeKinds =
        storeKinds == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(storeKinds));
    repartitionTopics = Set.copyOf(new TreeSet<>(repartitionTopics));
  }

  static TopologyShape of(
      String name, String jar, Topology topology, Map<String, String> storeKinds) {
    Set<String> stores = new TreeSet<>();
    Set<String> repartition = new TreeSet<>();
    for (TopologyDescription.Subtopology sub : topology.describe().subtopologies()) {
      for (TopologyDescription.Node node : sub.nodes()) {
        if (node instanceof TopologyDescription.Processor) {
          stores.addAll(((TopologyDescription.Processor) node).stores());
        } else if (node instanceof TopologyDescription.Sink) {
          String topic = ((TopologyDescription.Sink) node).topic();
          // Repartition topics, and the subscription topics of foreign-key joins.
          if (topic != null && StreamsResetter.matchesInternalTopicFormat(topic)) {
            repartition.add(topic);
          }
        }
      }
    }
    return new TopologyShape(name, jar, stores, storeKinds, repartition);
  }

  /** What this version drops of an earlier one: each a line such as {@code store x removed}. */
  List<String> breakingChangesSince(TopologyShape earlier) {
    List<String> changes = new ArrayList<>();
    for (String store : new TreeSet<>(earlier.stores)) {
      if (!stores.contains(store)) {
        changes.add("store " + store + " removed (its state would be lost)");
      } else if (earlier.storeKinds.containsKey(store)
          && storeKinds.containsKey(store)
          && !earlier.storeKinds.get(store).equals(storeKinds.get(store))) {
        changes.add(
            "store "
                + store
                + " changed from "
                + earlier.storeKinds.get(store)
                + " to "
                + storeKinds.get(store)
                + " (its changelog could not be read)");
      }
    }
    for (String topic : new TreeSet<>(earlier.repartitionTopics)) {
      if (!repartitionTopics.contains(topic)) {
        changes.add(
            "repartition topic " + topic + " removed (records in flight there would be lost)");
      }
    }
    return changes;
  }

  /** What this version adds to an earlier one. */
  List<String> additionsSince(TopologyShape earlier) {
    List<String> changes = new ArrayList<>();
    new TreeSet<>(stores)
        .stream()
            .filter(store -> !earlier.stores.contains(store))
            .forEach(store -> changes.add("store " + store + " added (starts empty)"));
    new TreeSet<>(repartitionTopics)
        .stream()
            .filter(topic -> !earlier.repartitionTopics.contains(topic))
            .forEach(topic -> changes.add("repartition topic " + topic + " added"));
    return changes;
  }

  /** The topics Kafka Streams made for these stores and repartitionings. */
  Set<String> internalTopics(String applicationId) {
    Set<String> topics = new TreeSet<>();
    stores.forEach(store -> topics.add(applicationId + "-" + store + "-changelog"));
    repartitionTopics.forEach(topic -> topics.add(applicationId + "-" + topic));
    return topics;
  }
}
