package io.tideway.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.junit.jupiter.api.Test;

class TopologyShapeTest {

  private static TopologyShape countingInto(String store) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
        .selectKey((key, value) -> value)
        .groupByKey(Grouped.as("by-value"))
        .count(Materialized.as(store));
    return TopologyShape.of("counts", "counts.jar", builder.build());
  }

  @Test
  void findsTheStoresAndRepartitionTopicsOfATopology() {
    TopologyShape shape = countingInto("counts");

    assertThat(shape.stores()).containsExactly("counts");
    assertThat(shape.repartitionTopics()).containsExactly("by-value-repartition");
    assertThat(shape.internalTopics("app"))
        .containsExactlyInAnyOrder("app-counts-changelog", "app-by-value-repartition");
  }

  @Test
  void aRenamedStoreIsBreakingAndAnAddedOneIsNot() {
    TopologyShape v1 = countingInto("counts");
    TopologyShape v2 = countingInto("tallies");
    TopologyShape v3 =
        new TopologyShape(
            "counts", "v3.jar", Set.of("counts", "extra"), Set.of("by-value-repartition"));

    assertThat(v2.breakingChangesSince(v1))
        .containsExactly("store counts removed (its state would be lost)");
    assertThat(v2.additionsSince(v1)).containsExactly("store tallies added (starts empty)");
    assertThat(v3.breakingChangesSince(v1)).isEmpty();
    assertThat(v1.breakingChangesSince(v1)).isEmpty();
  }

  @Test
  void survivesItsJsonRecord() throws Exception {
    ObjectMapper json = new ObjectMapper();
    TopologyShape shape = countingInto("counts");

    assertThat(json.readValue(json.writeValueAsString(shape), TopologyShape.class))
        .isEqualTo(shape);
  }
}
