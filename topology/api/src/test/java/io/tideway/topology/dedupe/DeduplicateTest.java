package io.tideway.topology.dedupe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideway.topology.DeploymentContext;
import io.tideway.topology.EventHeaders;
import io.tideway.topology.InvalidEventException;
import io.tideway.topology.ProcessingFailures;
import io.tideway.topology.RefusedResults;
import io.tideway.topology.TopologyNaming;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeduplicateTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private TopologyTestDriver driver;
  private TestInputTopic<String, String> in;
  private TestOutputTopic<String, String> out;

  @AfterEach
  void close() {
    if (driver != null) {
      driver.close();
    }
  }

  private void start(Function<KStream<String, String>, KStream<String, String>> operator) {
    StreamsBuilder builder = DeploymentContext.of("dedupe-test", Map.of()).streamsBuilder();
    operator
        .apply(builder.stream("events", Consumed.with(Serdes.String(), Serdes.String())))
        .to("unique", Produced.with(Serdes.String(), Serdes.String()));
    Topology topology = builder.build();
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "dedupe-test");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    driver = new TopologyTestDriver(topology, props);
    in = driver.createInputTopic("events", new StringSerializer(), new StringSerializer());
    out = driver.createOutputTopic("unique", new StringDeserializer(), new StringDeserializer());
  }

  private void send(String key, String value, String eventId, Instant at) {
    RecordHeaders headers = new RecordHeaders();
    if (eventId != null) {
      headers.add(EventHeaders.ID, eventId.getBytes(StandardCharsets.UTF_8));
    }
    in.pipeInput(new TestRecord<>(key, value, headers, at));
  }

  private double dropped() {
    return driver.metrics().entrySet().stream()
        .filter(e -> e.getKey().name().equals("duplicates-dropped-total"))
        .filter(e -> e.getKey().group().equals("stream-tideway-dedupe-metrics"))
        .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
        .sum();
  }

  @Test
  void forwardsEachEventOnceAndCountsTheDuplicatesDropped() {
    start(Deduplicate.<String, String>byEventId("orders-dedupe")::apply);

    send("order-1", "placed", "e1", T0);
    send("order-1", "placed", "e1", T0.plusSeconds(1));
    send("order-2", "placed", "e2", T0.plusSeconds(2));
    send("order-1", "approved", "e3", T0.plusSeconds(3));
    send("order-2", "placed", "e2", T0.plusSeconds(4));
    send("order-1", "placed", "e1", T0.plusSeconds(5));

    assertThat(out.readKeyValuesToList())
        .containsExactly(
            KeyValue.pair("order-1", "placed"),
            KeyValue.pair("order-2", "placed"),
            KeyValue.pair("order-1", "approved"));
    assertThat(dropped()).isEqualTo(3.0);
  }

  @Test
  void forgetsARecordThatFailedBelowSoItsReDriveIsProcessedOnce() {
    boolean[] broken = {true};
    start(
        events ->
            Deduplicate.<String, String>byEventId("orders-dedupe")
                .apply(events)
                .filter(
                    (key, value) -> {
                      // What the runtime's handler does when a processor below throws.
                      if (broken[0]) {
                        ProcessingFailures.markFailed();
                      }
                      return !broken[0];
                    },
                    Named.as("domain-check")));

    send("order-1", "placed", "e1", T0);
    assertThat(out.readKeyValuesToList()).isEmpty();

    broken[0] = false;
    send("order-1", "placed", "e1", T0.plusSeconds(60));
    send("order-1", "placed", "e1", T0.plusSeconds(61));

    assertThat(out.readKeyValuesToList()).containsExactly(KeyValue.pair("order-1", "placed"));
    assertThat(dropped()).isEqualTo(1.0);
  }

  /** As the runtime's handler: marks the failure, and processing goes on (to the dead letters). */
  public static final class MarkingHandler implements ProcessingExceptionHandler {
    @Override
    public Response handleError(
        ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
      ProcessingFailures.markFailed();
      return Response.resume();
    }

    @Override
    public void configure(Map<String, ?> configs) {}
  }

  @Test
  void anEventThatFailedInOneBranchIsTakenAgainOnlyByTheBranchesThatDidNotTakeIt() {
    boolean[] broken = {true, true};
    StreamsBuilder builder = DeploymentContext.of("dedupe-test", Map.of()).streamsBuilder();
    KStream<String, String> unique =
        events(builder, Deduplicate.<String, String>byEventId("orders-dedupe"));
    branch(unique, "history", () -> false);
    branch(unique, "view", () -> broken[0]);
    branch(unique, "sales", () -> broken[1]);
    startMarkingFailures(builder.build());

    send("order-1", "placed", "e1", T0); // fails in view and in sales
    broken[0] = false;
    send("order-1", "placed", "e1", T0.plusSeconds(60)); // re-driven: fails in sales again
    broken[1] = false;
    send("order-1", "placed", "e1", T0.plusSeconds(61)); // re-driven again: goes through
    send("order-1", "placed", "e1", T0.plusSeconds(62)); // a duplicate

    assertThat(output("history")).containsExactly("placed");
    assertThat(output("view")).containsExactly("placed");
    assertThat(output("sales")).containsExactly("placed");
    assertThat(dropped()).isEqualTo(1.0);
    KeyValueStore<Bytes, String> partlyDone =
        driver.getKeyValueStore("orders-dedupe-partly-done-store");
    assertThat(partlyDone.get(Bytes.wrap("e1".getBytes(StandardCharsets.UTF_8)))).isNull();
  }

  @Test
  void aBranchThatFailedOnOneOfTheRecordsAnEventMadeTakesThemAllAgainLosingNone() {
    boolean[] broken = {true};
    StreamsBuilder builder = DeploymentContext.of("dedupe-test", Map.of()).streamsBuilder();
    KStream<String, String> unique =
        events(builder, Deduplicate.<String, String>byEventId("orders-dedupe"));
    branch(unique, "history", () -> false);
    unique
        .flatMapValues(value -> List.of(value.split(",")), Named.as("lines"))
        .mapValues(
            line -> {
              if (broken[0] && line.equals("b")) {
                throw new IllegalStateException("b is refused");
              }
              return line;
            },
            Named.as("line-check"))
        .mapValues(line -> line.toUpperCase(Locale.ROOT), Named.as("line-upper"))
        .to("lines", Produced.with(Serdes.String(), Serdes.String()).withName("lines-sink"));
    startMarkingFailures(builder.build());

    send("order-1", "a,b", "e1", T0); // "a" passes, "b" fails
    broken[0] = false;
    send("order-1", "a,b", "e1", T0.plusSeconds(60));

    assertThat(output("history")).containsExactly("a,b");
    // The branch took "a" before, but failed on "b": it takes both again.
    assertThat(output("lines")).containsExactly("A", "A", "B");
  }

  @Test
  void aBranchMergedWithOneThatFailedTakesWhatTheFailedOneForwardsOnTheReDrive() {
    boolean[] broken = {true};
    StreamsBuilder builder = DeploymentContext.of("dedupe-test", Map.of()).streamsBuilder();
    KStream<String, String> unique =
        events(builder, Deduplicate.<String, String>byEventId("orders-dedupe"));
    KStream<String, String> plain = unique.mapValues(value -> "plain " + value, Named.as("plain"));
    KStream<String, String> checked =
        unique.mapValues(
            value -> {
              if (broken[0]) {
                throw new IllegalStateException("the check has a bug");
              }
              return "checked " + value;
            },
            Named.as("checked"));
    plain
        .merge(checked, Named.as("both"))
        .to("both", Produced.with(Serdes.String(), Serdes.String()).withName("both-sink"));
    startMarkingFailures(builder.build());

    send("order-1", "placed", "e1", T0);
    broken[0] = false;
    send("order-1", "placed", "e1", T0.plusSeconds(60));

    assertThat(output("both")).containsExactly("plain placed", "checked placed");
  }

  @Test
  void aBranchWhoseNameKafkaStreamsGeneratedTakesTheEventAgainRatherThanRiskLosingIt() {
    boolean[] broken = {true};
    StreamsBuilder builder = DeploymentContext.of("dedupe-test", Map.of()).streamsBuilder();
    KStream<String, String> unique =
        events(builder, Deduplicate.<String, String>byEventId("orders-dedupe"));
    // Generated names follow the order operators are added in: another version may give this
    // one's to a processor of the branch that failed.
    unique
        .mapValues(value -> value)
        .to("unnamed", Produced.with(Serdes.String(), Serdes.String()).withName("unnamed-sink"));
    branch(unique, "view", () -> broken[0]);
    startMarkingFailures(builder.build());

    send("order-1", "placed", "e1", T0);
    broken[0] = false;
    send("order-1", "placed", "e1", T0.plusSeconds(60));

    assertThat(output("unnamed")).containsExactly("placed", "placed");
    assertThat(output("view")).containsExactly("placed");
  }

  @Test
  void deduplicatingByAnotherIdAnEventThatFailedInOneBranchIsTakenAgainByEveryBranch() {
    boolean[] broken = {true};
    StreamsBuilder builder = DeploymentContext.of("dedupe-test", Map.of()).streamsBuilder();
    KStream<String, String> unique =
        events(
            builder,
            Deduplicate.<String, String>by("orders-dedupe", (key, value, headers) -> value));
    branch(unique, "history", () -> false);
    branch(unique, "view", () -> broken[0]);
    startMarkingFailures(builder.build());

    send("order-1", "placed-1", "e1", T0);
    broken[0] = false;
    send("order-1", "placed-1", "e1", T0.plusSeconds(60));
    send("order-1", "placed-1", "e1", T0.plusSeconds(61));

    // What fails after the forward is noted by the id header, which this operator does not read.
    assertThat(output("history")).containsExactly("placed-1", "placed-1");
    assertThat(output("view")).containsExactly("placed-1");
  }

  @Test
  void anEventWhoseResultTheBrokerRefusedOnceItWasProcessedIsTakenAgainByEveryBranch() {
    RefusedResults refusals = new RefusedResults();
    boolean[] broken = {false};
    StreamsBuilder builder = DeploymentContext.of("dedupe-test", Map.of()).streamsBuilder();
    KStream<String, String> unique =
        events(builder, Deduplicate.<String, String>byEventId("orders-dedupe"));
    branch(unique, "history", () -> false);
    branch(unique, "view", () -> broken[0]);
    startMarkingFailures(
        builder.build(),
        Map.of(
            StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
            StreamsConfig.AT_LEAST_ONCE,
            RefusedResults.CONFIG,
            refusals));

    send("order-1", "placed", "e1", T0); // goes through
    broken[0] = true;
    send("order-2", "placed", "e2", T0); // fails in view: partly done
    broken[0] = false;
    // As the runtime's production handler notes them, once the broker refused a result of each.
    refusals.failedAfterProcessing(new TaskId(0, 0), "e1");
    refusals.failedAfterProcessing(new TaskId(0, 0), "e2");
    send("order-1", "placed", "e1", T0.plusSeconds(60));
    send("order-2", "placed", "e2", T0.plusSeconds(60));
    send("order-1", "placed", "e1", T0.plusSeconds(61)); // now a duplicate

    assertThat(output("history")).hasSize(4);
    assertThat(output("view")).hasSize(3);
    assertThat(dropped()).isEqualTo(1.0);
  }

  private void startMarkingFailures(Topology topology) {
    startMarkingFailures(topology, Map.of());
  }

  private void startMarkingFailures(Topology topology, Map<String, Object> settings) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "dedupe-test");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, MarkingHandler.class);
    props.putAll(settings);
    driver = new TopologyTestDriver(topology, props);
    in = driver.createInputTopic("events", new StringSerializer(), new StringSerializer());
  }

  /** The topic {@code events} of the builder, through the operator. */
  private static KStream<String, String> events(
      StreamsBuilder builder, Deduplicate<String, String> operator) {
    return operator.apply(
        builder.stream("events", Consumed.with(Serdes.String(), Serdes.String())));
  }

  /** A branch that writes each record to a topic of its name, after a check that may throw. */
  private static void branch(KStream<String, String> stream, String name, BooleanSupplier broken) {
    stream
        .mapValues(
            value -> {
              if (broken.getAsBoolean()) {
                throw new IllegalStateException(name + " is broken");
              }
              return value;
            },
            Named.as(name + "-check"))
        .to(name, Produced.with(Serdes.String(), Serdes.String()).withName(name + "-sink"));
  }

  private List<String> output(String topic) {
    return driver
        .createOutputTopic(topic, new StringDeserializer(), new StringDeserializer())
        .readValuesToList();
  }

  @Test
  void keepsTheHeadersOfTheRecordsItForwards() {
    start(Deduplicate.<String, String>byEventId("orders-dedupe")::apply);

    send("order-1", "placed", "e1", T0);

    TestRecord<String, String> record = out.readRecord();
    assertThat(new String(record.headers().lastHeader("id").value(), StandardCharsets.UTF_8))
        .isEqualTo("e1");
    assertThat(record.getRecordTime()).isEqualTo(T0);
  }

  @Test
  void anEventSeenLongerAgoThanTheRetentionPassesAgainAndItsIdIsSwept() {
    start(
        Deduplicate.<String, String>byEventId("orders-dedupe").retention(Duration.ofHours(7))
            ::apply);

    send("order-1", "placed", "e1", T0);
    send("order-1", "placed", "e1", T0.plus(Duration.ofHours(7)));
    KeyValueStore<Bytes, Long> store = driver.getKeyValueStore("orders-dedupe-store");
    Bytes e1 = Bytes.wrap("e1".getBytes(StandardCharsets.UTF_8));
    assertThat(store.get(e1)).isEqualTo(T0.toEpochMilli());

    send("order-2", "placed", "e2", T0.plus(Duration.ofHours(8)).plusMillis(1));
    assertThat(store.get(e1)).as("swept once stream time passed the retention").isNull();
    send("order-1", "placed", "e1", T0.plus(Duration.ofHours(8)).plusMillis(2));

    assertThat(out.readValuesToList()).containsExactly("placed", "placed", "placed");
    assertThat(dropped()).isEqualTo(1.0);
  }

  @Test
  void aSweepGoesThroughAStoreLargerThanASliceSliceBySlice() {
    start(
        Deduplicate.<String, String>byEventId("orders-dedupe").retention(Duration.ofHours(7))
            ::apply);
    int ids = DeduplicateProcessor.SWEEP_SLICE + 500;
    for (int i = 0; i < ids; i++) {
      send("order-" + i, "placed", "old-" + i, T0);
    }
    KeyValueStore<Bytes, Long> store = driver.getKeyValueStore("orders-dedupe-store");

    // when stream time passes the retention, and the clock goes on while the sweep does
    send("order-new", "placed", "new", T0.plus(Duration.ofHours(8)));
    driver.advanceWallClockTime(DeduplicateProcessor.SWEEP_SLICE_INTERVAL);

    // then every slice was read, and only the new id is left
    assertThat(count(store)).isEqualTo(1);
  }

  @Test
  void aRecordStampedFarInTheFutureDoesNotMakeTheOperatorForgetTheIdsItSaw() {
    start(
        Deduplicate.<String, String>byEventId("orders-dedupe").retention(Duration.ofHours(7))
            ::apply);
    // Live: records stamped about now, by the clock of the test driver.
    Instant now = Instant.now().minusSeconds(60);
    Instant farAhead = now.plus(Duration.ofDays(365 * 1000));

    send("order-1", "placed", "e1", now);
    send("order-2", "placed", "e2", farAhead);
    send("order-1", "placed", "e1", now.plusSeconds(1));
    send("order-2", "placed", "e2", farAhead.plusSeconds(1));

    assertThat(out.readValuesToList()).containsExactly("placed", "placed");
    KeyValueStore<Bytes, Long> store = driver.getKeyValueStore("orders-dedupe-store");
    assertThat(store.get(Bytes.wrap("e2".getBytes(StandardCharsets.UTF_8))))
        .as("kept as seen at most an hour ahead of the clock, to expire in its turn")
        .isLessThanOrEqualTo(
            Instant.now().plus(DeduplicateProcessor.FUTURE_TOLERANCE).toEpochMilli());

    // and sweeps go on by the clock, the stream time's punctuation being a thousand years away
    driver.advanceWallClockTime(Duration.ofHours(8));
    assertThat(store.get(Bytes.wrap("e1".getBytes(StandardCharsets.UTF_8)))).isNull();
  }

  private static long count(KeyValueStore<Bytes, Long> store) {
    long n = 0;
    try (var all = store.all()) {
      while (all.hasNext()) {
        all.next();
        n++;
      }
    }
    return n;
  }

  @Test
  void aLateEventIsRememberedForTheRetentionFromWhenItWasSeen() {
    start(
        Deduplicate.<String, String>byEventId("orders-dedupe").retention(Duration.ofHours(7))
            ::apply);

    send("order-9", "placed", "e9", T0.plus(Duration.ofHours(20)));
    // Re-driven from the dead-letter topic with its own time, long before the stream's.
    send("order-1", "placed", "e1", T0);
    send("order-9", "shipped", "e10", T0.plus(Duration.ofHours(21)));
    // A sweep has run meanwhile; re-driven a second time.
    send("order-1", "placed", "e1", T0);

    assertThat(out.readValuesToList()).containsExactly("placed", "placed", "shipped");
    assertThat(dropped()).isEqualTo(1.0);
  }

  @Test
  void aDuplicateOlderThanItsOriginalIsStillADuplicate() {
    start(Deduplicate.<String, String>byEventId("orders-dedupe")::apply);

    send("order-1", "placed", "e1", T0.plusSeconds(60));
    send("order-1", "placed", "e1", T0);

    assertThat(out.readValuesToList()).containsExactly("placed");
  }

  @Test
  void aRecordWithoutAnIdFailsNamingWhereItWasRead() {
    start(Deduplicate.<String, String>byEventId("orders-dedupe")::apply);

    assertThatThrownBy(() -> send("order-1", "placed", null, T0))
        .hasRootCauseInstanceOf(InvalidEventException.class)
        .rootCause()
        .hasMessageContaining("orders-dedupe: record has no header 'id'")
        .hasMessageContaining("topic events, partition 0, offset 0");
    // White space is no id either: every such record would be the first one's duplicate.
    assertThatThrownBy(() -> send("order-2", "placed", " ", T0))
        .hasRootCauseInstanceOf(InvalidEventException.class)
        .rootCause()
        .hasMessageContaining("orders-dedupe: record has no header 'id'");
  }

  @Test
  void deduplicatesByAnIdTakenFromTheValue() {
    start(
        Deduplicate.<String, String>by(
                "orders-dedupe", (key, value, headers) -> value.split(":")[0])
            ::apply);

    send("order-1", "e1:placed", null, T0);
    send("order-1", "e1:placed", null, T0.plusSeconds(1));
    send("order-1", "e2:approved", null, T0.plusSeconds(2));

    assertThat(out.readValuesToList()).containsExactly("e1:placed", "e2:approved");
  }

  @Test
  void repartitionedByEventIdCatchesDuplicatesUnderOtherKeysAndRestoresTheKey() {
    start(
        stream ->
            Deduplicate.<String, String>byEventId("orders-dedupe")
                .applyRepartitioned(stream, Serdes.String(), Serdes.String()));

    send("order-1", "placed", "e1", T0);
    send("order-1-copy", "placed", "e1", T0.plusSeconds(1));
    send(null, "keyless", "e2", T0.plusSeconds(2));
    send("order-2", "keyless", "e2", T0.plusSeconds(3));

    List<TestRecord<String, String>> records = out.readRecordsToList();
    assertThat(records)
        .extracting(TestRecord::key, TestRecord::value)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("order-1", "placed"),
            org.assertj.core.groups.Tuple.tuple(null, "keyless"));
    assertThat(records)
        .allSatisfy(r -> assertThat(r.headers().lastHeader(EventIdKeying.KEY_HEADER)).isNull());
    assertThat(dropped()).isEqualTo(2.0);
  }

  @Test
  void repartitionedRefusesAnIdThatIsNotUtf8RatherThanTakeItForAnother() {
    start(
        stream ->
            Deduplicate.<String, String>byEventId("orders-dedupe")
                .applyRepartitioned(stream, Serdes.String(), Serdes.String()));

    // Decoded leniently, both ids would be the same replacement character.
    for (byte[] id : List.of(new byte[] {(byte) 0xff}, new byte[] {(byte) 0xfe})) {
      Headers headers = new RecordHeaders().add(EventHeaders.ID, id);
      assertThatThrownBy(() -> in.pipeInput(new TestRecord<>("order-1", "placed", headers, T0)))
          .hasRootCauseInstanceOf(InvalidEventException.class)
          .rootCause()
          .hasMessageContaining("orders-dedupe: the header 'id' is not UTF-8 text");
    }
    send("order-2", "placed", "e2", T0);

    assertThat(out.readValuesToList()).containsExactly("placed");
  }

  @Test
  void namesEveryStoreAndTopicItCreates() {
    StreamsBuilder builder = DeploymentContext.of("dedupe-test", Map.of()).streamsBuilder();
    Deduplicate.<String, String>byEventId("orders-dedupe")
        .applyRepartitioned(
            builder.stream("events", Consumed.with(Serdes.String(), Serdes.String())),
            Serdes.String(),
            Serdes.String())
        .to("unique", Produced.with(Serdes.String(), Serdes.String()));

    Topology topology = builder.build();

    assertThat(topology.describe().toString())
        .contains(
            "orders-dedupe-store",
            "orders-dedupe-partly-done-store",
            "orders-dedupe-by-event-id-repartition");
    assertThat(TopologyNaming.generatedNames(topology)).isEmpty();
  }

  @Test
  void refusesABlankNameAndANonPositiveRetention() {
    assertThatThrownBy(() -> Deduplicate.byEventId(" "))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Deduplicate.byEventId("d").retention(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
