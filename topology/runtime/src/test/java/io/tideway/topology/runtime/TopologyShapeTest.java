package io.tideway.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.topics.Topic;
import io.tideway.topology.DeploymentContext;
import io.tideway.topology.TopologyContext;
import io.tideway.topology.TopologyProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TopologyShapeTest {

  @TempDir Path workDir;

  private static TopologyShape countingInto(String store) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
        .selectKey((key, value) -> value)
        .groupByKey(Grouped.as("by-value"))
        .count(Materialized.as(store));
    return TopologyShape.of("counts", "counts.jar", builder.build(), Map.of());
  }

  /** A provider whose topology counts records by key into the store {@code counts}. */
  private static TopologyProvider counting(Function<KGroupedStream<String, String>, ?> count) {
    return new TopologyProvider() {
      @Override
      public String name() {
        return "counts";
      }

      @Override
      public String applicationId() {
        return "counts-app";
      }

      @Override
      public Set<Topic<?, ?>> inputs() {
        return Set.of();
      }

      @Override
      public Set<Topic<?, ?>> outputs() {
        return Set.of();
      }

      @Override
      public Topology build(TopologyContext context) {
        StreamsBuilder builder = new StreamsBuilder();
        count.apply(
            builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                .groupByKey(Grouped.with(Serdes.String(), Serdes.String())));
        return builder.build();
      }
    };
  }

  private TopologyShape shapeOf(TopologyProvider provider) {
    Map<String, String> kinds =
        StoreKinds.of(provider, Map.of(), TopologyShapeTest.class.getClassLoader(), workDir);
    try (DeploymentContext context = DeploymentContext.of(provider.applicationId(), Map.of())) {
      return TopologyShape.of(provider.name(), "counts.jar", provider.build(context), kinds);
    }
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
            "counts",
            "v3.jar",
            Set.of("counts", "extra"),
            Map.of(),
            Set.of("by-value-repartition"));

    assertThat(v2.breakingChangesSince(v1))
        .containsExactly("store counts removed (its state would be lost)");
    assertThat(v2.additionsSince(v1)).containsExactly("store tallies added (starts empty)");
    assertThat(v3.breakingChangesSince(v1)).isEmpty();
    assertThat(v1.breakingChangesSince(v1)).isEmpty();
  }

  @Test
  void findsTheKindOfEachStore() {
    TopologyProvider keyValue = counting(grouped -> grouped.count(Materialized.as("counts")));
    TopologyProvider window =
        counting(
            grouped ->
                grouped
                    .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMinutes(1)))
                    .count(Materialized.as("counts")));
    TopologyProvider session =
        counting(
            grouped ->
                grouped
                    .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(Duration.ofMinutes(1)))
                    .count(Materialized.as("counts")));
    TopologyProvider versioned =
        counting(
            grouped ->
                grouped.count(
                    Materialized.<String, Long>as(
                            Stores.persistentVersionedKeyValueStore("counts", Duration.ofHours(1)))
                        .withKeySerde(Serdes.String())
                        .withValueSerde(Serdes.Long())));

    assertThat(shapeOf(keyValue).storeKinds()).isEqualTo(Map.of("counts", "key-value"));
    assertThat(shapeOf(window).storeKinds()).isEqualTo(Map.of("counts", "window"));
    assertThat(shapeOf(session).storeKinds()).isEqualTo(Map.of("counts", "session"));
    assertThat(shapeOf(versioned).storeKinds()).isEqualTo(Map.of("counts", "versioned key-value"));
    assertThat(workDir).as("each driver's state directory deleted").isEmptyDirectory();
  }

  @Test
  void aStoreThatChangesKindIsBreakingUnlessAKindIsUnknown() {
    TopologyShape keyValue = shapeOf(counting(grouped -> grouped.count(Materialized.as("counts"))));
    TopologyShape window =
        shapeOf(
            counting(
                grouped ->
                    grouped
                        .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMinutes(1)))
                        .count(Materialized.as("counts"))));
    TopologyShape recordedWithoutKinds =
        new TopologyShape("counts", "old.jar", Set.of("counts"), null, Set.of());

    assertThat(window.breakingChangesSince(keyValue))
        .containsExactly(
            "store counts changed from key-value to window (its changelog could not be read)");
    assertThat(window.breakingChangesSince(recordedWithoutKinds)).isEmpty();
    assertThat(keyValue.breakingChangesSince(keyValue)).isEmpty();
  }

  @Test
  void unknownKindsAreNoErrorWhenTheTopologyCannotBeBuilt() {
    TopologyProvider broken =
        counting(
            grouped -> {
              throw new IllegalStateException("no topology today");
            });

    assertThat(StoreKinds.of(broken, Map.of(), getClass().getClassLoader(), workDir)).isEmpty();
    assertThat(workDir).isEmptyDirectory();
  }

  @Test
  void survivesItsJsonRecord() throws Exception {
    ObjectMapper json = new ObjectMapper();
    TopologyShape shape = countingInto("counts");

    assertThat(json.readValue(json.writeValueAsString(shape), TopologyShape.class))
        .isEqualTo(shape);
  }
}
