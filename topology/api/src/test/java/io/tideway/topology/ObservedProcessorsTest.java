package io.tideway.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

class ObservedProcessorsTest {

  @Test
  void reportsEachRecordOnceWhenItsSubTopologyIsDone() {
    List<String> seen = new CopyOnWriteArrayList<>();
    ProcessingObserver observer =
        (processor, partition, offset, eventId, occurredAt) ->
            seen.add(processor + "@" + partition + ":" + eventId + ":" + occurredAt);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "observed");
    try (TopologyTestDriver driver = new TopologyTestDriver(shoutAndKeep(observer), props)) {
      TestInputTopic<String, String> in =
          driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
      RecordHeaders headers = new RecordHeaders();
      headers.add(EventHeaders.ID, "e1".getBytes(StandardCharsets.UTF_8));
      headers.add(EventHeaders.OCCURRED_AT, "1700000000000".getBytes(StandardCharsets.UTF_8));
      in.pipeInput(new TestRecord<>("k", "v", headers));
      in.pipeInput("k", "no headers");
    }

    assertThat(seen).containsExactly("shout@0:e1:1700000000000", "shout@0:null:-1");
  }

  @Test
  void namesEachProcessorItWillHearFromAsTheTopologyIsBuilt() {
    List<String> observed = new CopyOnWriteArrayList<>();
    ProcessingObserver observer =
        new ProcessingObserver() {
          @Override
          public void processed(
              String processor, int partition, long offset, String eventId, long at) {}

          @Override
          public void observes(String processor) {
            observed.add(processor);
          }
        };
    shoutAndKeep(observer);

    assertThat(observed).contains("shout", "keep");
  }

  @Test
  void tellsEveryBranchThatSkipsAnInputReadAgainToBeDeadLetteredThatItFailed() {
    List<String> failed = new CopyOnWriteArrayList<>();
    ProcessingObserver observer =
        new ProcessingObserver() {
          @Override
          public void processed(
              String processor, int partition, long offset, String eventId, long at) {}

          @Override
          public void failed(
              String processor, int partition, long offset, String eventId, Object key) {
            failed.add(processor + ":" + eventId);
          }
        };
    RefusedResults refused = new RefusedResults();
    refused.remember("in", 0, 0, new IllegalStateException("too large"));
    StreamsBuilder builder =
        DeploymentContext.of(
                "observed",
                Map.of(ProcessingObserver.CONFIG, observer, RefusedResults.CONFIG, refused))
            .streamsBuilder();
    KStream<String, String> in =
        builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()));
    in.filter((key, value) -> true, Named.as("first")).to("a");
    in.filter((key, value) -> true, Named.as("second")).to("b");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "observed");
    props.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueProcessingExceptionHandler.class);

    try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
      RecordHeaders headers = new RecordHeaders();
      headers.add(EventHeaders.ID, "e1".getBytes(StandardCharsets.UTF_8));
      driver
          .createInputTopic("in", new StringSerializer(), new StringSerializer())
          .pipeInput(new TestRecord<>("k", "v", headers));
    }

    // The first threw for the handler to dead-letter the input; the second skipped it.
    assertThat(failed).containsExactly("second:e1");
  }

  /** A topology of two processors, {@code shout} and then {@code keep}, observed. */
  private static Topology shoutAndKeep(ProcessingObserver observer) {
    StreamsBuilder builder =
        DeploymentContext.of("observed", Map.of(ProcessingObserver.CONFIG, observer))
            .streamsBuilder();
    builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
        .mapValues(value -> value + "!", Named.as("shout"))
        .filter((key, value) -> true, Named.as("keep"))
        .to("out", Produced.with(Serdes.String(), Serdes.String()));
    return builder.build();
  }
}
