package io.tideway.topology.runtime.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideway.topology.DeploymentContext;
import io.tideway.topology.EventHeaders;
import io.tideway.topology.RefusedResults;
import io.tideway.topology.dedupe.Deduplicate;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

class DeadLetterProcessingHandlerTest {

  @Test
  void aPunctuatorThatFailsIsHandledAndPunctuatesAgain() {
    AtomicInteger punctuated = new AtomicInteger();
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
        .process(
            () ->
                new Processor<String, String, Void, Void>() {
                  @Override
                  public void init(ProcessorContext<Void, Void> context) {
                    context.schedule(
                        Duration.ofSeconds(1),
                        PunctuationType.WALL_CLOCK_TIME,
                        now -> {
                          punctuated.incrementAndGet();
                          throw new IllegalStateException("the sweep failed");
                        });
                  }

                  @Override
                  public void process(Record<String, String> record) {}
                },
            Named.as("sweeper"));
    try (TopologyTestDriver driver = withTheHandler(builder, "sweeps")) {
      driver
          .createInputTopic("in", new StringSerializer(), new StringSerializer())
          .pipeInput("k", "v");
      // A punctuation has no record: the handler must not need one.
      driver.advanceWallClockTime(Duration.ofSeconds(1));
      driver.advanceWallClockTime(Duration.ofSeconds(1));
    }

    assertThat(punctuated).hasValue(2);
  }

  @Test
  void anEarlierResultsSendFailureThrownFromALaterRecordFailsTheThreadNotThatRecord() {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
        .process(
            () ->
                new Processor<String, String, Void, Void>() {
                  @Override
                  public void process(Record<String, String> record) {
                    if (record.value().equals("bad")) {
                      throw new IllegalArgumentException("not a posting");
                    }
                    // As Kafka Streams throws at a send what it kept of an earlier one's failure.
                    throw new StreamsException(
                        DeadLetterProcessingHandler.SEND_FAILURE
                            + "out for task 0_0 due to:\n"
                            + "org.apache.kafka.common.errors.RecordTooLargeException",
                        new RecordTooLargeException("the request included a message larger"));
                  }
                },
            Named.as("poster"));
    try (TopologyTestDriver driver = withTheHandler(builder, "postings")) {
      var in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
      in.pipeInput("k", "bad");
      var dlq =
          driver.createOutputTopic(
              "postings.dlq", new StringDeserializer(), new StringDeserializer());
      assertThat(dlq.readValuesToList()).containsExactly("bad");

      assertThatThrownBy(() -> in.pipeInput("k", "innocent"))
          .isInstanceOf(StreamsException.class)
          .hasRootCauseInstanceOf(RecordTooLargeException.class);
      assertThat(dlq.isEmpty()).isTrue();
    }
  }

  @Test
  void anUpdateACacheFlushesThatFailsHasItsDeduplicatedInputTakenAgainWhenReDriven() {
    boolean[] broken = {true};
    StreamsBuilder builder = DeploymentContext.of("latest", Map.of()).streamsBuilder();
    Deduplicate.<String, String>byEventId("latest-dedupe")
        .apply(builder.stream("in", Consumed.with(Serdes.String(), Serdes.String())))
        .toTable(
            Named.as("latest"),
            Materialized.<String, String, KeyValueStore<Bytes, byte[]>>as("latest")
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.String())
                .withCachingEnabled())
        .toStream(Named.as("latest-updates"))
        .mapValues(
            value -> {
              if (broken[0]) {
                throw new IllegalStateException("a bug below the cache");
              }
              return value;
            },
            Named.as("check"))
        .to("out", Produced.with(Serdes.String(), Serdes.String()).withName("out"));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "latest");
    props.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class);
    props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "latest.dlq");
    props.put(RefusedResults.CONFIG, new RefusedResults());
    try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
      var in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
      RecordHeaders headers = new RecordHeaders();
      headers.add(EventHeaders.ID, "e1".getBytes(StandardCharsets.UTF_8));
      // Taken by the cache, then failed below it when the cache flushed it at the commit.
      in.pipeInput(new TestRecord<>("k", "v1", headers));
      var dlq =
          driver.createOutputTopic(
              "latest.dlq", new StringDeserializer(), new StringDeserializer());
      assertThat(dlq.readValuesToList()).containsExactly("v1");

      broken[0] = false;
      in.pipeInput(new TestRecord<>("k", "v1", headers));
      in.pipeInput(new TestRecord<>("k", "v1", headers)); // a duplicate

      var out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
      assertThat(out.readValuesToList()).containsExactly("v1");
    }
  }

  @Test
  void aRecordWhoseIdHeaderHasNoValueIsDeadLetteredLikeAnyOther() {
    StreamsBuilder builder = DeploymentContext.of("ids", Map.of()).streamsBuilder();
    Deduplicate.<String, String>byEventId("ids-dedupe")
        .apply(builder.stream("in", Consumed.with(Serdes.String(), Serdes.String())))
        .to("out", Produced.with(Serdes.String(), Serdes.String()).withName("out"));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "ids");
    props.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class);
    props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "ids.dlq");
    props.put(RefusedResults.CONFIG, new RefusedResults());
    try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
      var in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
      RecordHeaders noValue = new RecordHeaders();
      noValue.add(EventHeaders.ID, null);
      in.pipeInput(new TestRecord<>("k", "without an id", noValue));
      RecordHeaders headers = new RecordHeaders();
      headers.add(EventHeaders.ID, "e1".getBytes(StandardCharsets.UTF_8));
      in.pipeInput(new TestRecord<>("k", "with one", headers));

      assertThat(
              driver
                  .createOutputTopic("ids.dlq", new StringDeserializer(), new StringDeserializer())
                  .readValuesToList())
          .containsExactly("without an id");
      assertThat(
              driver
                  .createOutputTopic("out", new StringDeserializer(), new StringDeserializer())
                  .readValuesToList())
          .containsExactly("with one");
    }
  }

  /**
   * A test driver of the topology with the handler, dead-lettering to {@code <application>.dlq}.
   */
  private static TopologyTestDriver withTheHandler(StreamsBuilder builder, String application) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, application);
    props.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class);
    props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, application + ".dlq");
    return new TopologyTestDriver(builder.build(), props);
  }
}
