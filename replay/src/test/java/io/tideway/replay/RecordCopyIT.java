package io.tideway.replay;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Copies on a real broker: ranges by offset and by time, transactions, bounds and refusals. */
@TidewayTest
class RecordCopyIT {

  private static final Instant BASE =
      Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);

  private KafkaProducer<String, String> producer;
  private RecordCopy copy;

  @BeforeEach
  void start(TestKafka kafka) {
    Properties props = kafka.producerProperties();
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    producer = new KafkaProducer<>(props);
    copy = new RecordCopy(Map.of("bootstrap.servers", kafka.bootstrapServers()));
  }

  @AfterEach
  void stop() {
    producer.close();
    copy.close();
  }

  @Test
  void copiesAPartitionRangeKeepingKeysValuesHeadersTimestampsAndPartitions(TestKafka kafka)
      throws Exception {
    String source = kafka.createTopic("order.events", 3);
    String target = kafka.createTopic("order.events.copy", 3);
    for (int i = 0; i < 10; i++) {
      send(source, 1, "order-" + i, "placed-" + i, BASE.plusSeconds(i));
      send(source, 0, "other-" + i, "other-" + i, BASE.plusSeconds(i));
    }
    producer.flush();
    List<ReplayProgress> reports = new ArrayList<>();

    CopyPlan plan =
        copy.plan(
            SourceSpec.parse(source + ":1@3"), target, Optional.of(LogPosition.parseBound("8")));
    CopySummary summary = copy.copy(plan, reports::add);

    assertThat(plan.ranges()).containsExactly(new PartitionRange(1, 3, 8));
    assertThat(plan.keepsPartitions()).isTrue();
    assertThat(summary.copied()).isEqualTo(5);
    assertThat(reports).last().satisfies(last -> assertThat(last.finished()).isTrue());
    assertThat(reports.get(reports.size() - 1).partitions())
        .containsExactly(new PartitionProgress(new PartitionRange(1, 3, 8), 5, 5));
    List<ConsumerRecord<String, String>> copied = TopicRecords.read(kafka, target);
    assertThat(copied)
        .extracting(ConsumerRecord::value)
        .containsExactly("placed-3", "placed-4", "placed-5", "placed-6", "placed-7");
    for (ConsumerRecord<String, String> record : copied) {
      int i = Integer.parseInt(record.value().substring("placed-".length()));
      assertThat(record.partition()).isEqualTo(1);
      assertThat(record.key()).isEqualTo("order-" + i);
      assertThat(record.timestamp()).isEqualTo(BASE.plusSeconds(i).toEpochMilli());
      assertThat(record.headers().toArray())
          .extracting(Header::key)
          .containsExactly("id", "eventType", "traceparent");
      assertThat(new String(record.headers().lastHeader("id").value(), UTF_8))
          .isEqualTo("id-placed-" + i);
    }
  }

  @Test
  void copiesATimeRangeFromEveryPartitionByKeyWhenPartitionCountsDiffer(TestKafka kafka) {
    String source = kafka.createTopic("customer.events", 3);
    String target = kafka.createTopic("customer.events.copy", 2);
    for (int i = 0; i < 12; i++) {
      send(source, i % 3, "customer-" + i, "v" + i, BASE.plusSeconds(i));
    }
    // After the start in its partition, but stamped before it: timestamps need not grow.
    send(source, 0, "customer-late", "late", BASE.plusSeconds(1));
    producer.flush();

    CopyPlan plan =
        copy.plan(
            SourceSpec.parse(source + "@" + BASE.plusSeconds(4)),
            target,
            Optional.of(LogPosition.parseBound("@" + BASE.plusSeconds(9).toEpochMilli())));
    CopySummary summary = copy.copy(plan, progress -> {});

    assertThat(plan.keepsPartitions()).isFalse();
    assertThat(summary.copied()).isEqualTo(5);
    assertThat(summary.leftOut()).isEqualTo(4);
    assertThat(TopicRecords.read(kafka, target))
        .extracting(ConsumerRecord::value)
        .containsExactlyInAnyOrder("v4", "v5", "v6", "v7", "v8");
  }

  @Test
  void leavesOutRecordsOfAbortedTransactionsAndStopsAtTheEndSeenWhenPlanned(TestKafka kafka) {
    String source = kafka.createTopic("inventory.events", 1);
    String target = kafka.createTopic("inventory.events.copy", 1);
    Properties props = kafka.producerProperties();
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "copy-it-" + UUID.randomUUID());
    try (KafkaProducer<String, String> transactional =
        new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      transactional.initTransactions();
      transactional.beginTransaction();
      transactional.send(new ProducerRecord<>(source, "k", "committed-1"));
      transactional.commitTransaction();
      transactional.beginTransaction();
      transactional.send(new ProducerRecord<>(source, "k", "aborted-1"));
      transactional.send(new ProducerRecord<>(source, "k", "aborted-2"));
      transactional.flush();
      transactional.abortTransaction();
      transactional.beginTransaction();
      transactional.send(new ProducerRecord<>(source, "k", "committed-2"));
      transactional.commitTransaction();
    }

    CopyPlan plan = copy.plan(SourceSpec.parse(source), target, Optional.empty());
    send(source, 0, "k", "written-after-planning", Instant.now());
    producer.flush();
    CopySummary summary = copy.copy(plan, progress -> {});

    assertThat(summary.copied()).isEqualTo(2);
    assertThat(summary.progress().read()).isEqualTo(plan.total());
    assertThat(TopicRecords.read(kafka, target))
        .extracting(ConsumerRecord::value)
        .containsExactly("committed-1", "committed-2");
  }

  @Test
  void copiesARecordLargerThanAProducerSendsByDefaultAndSaysWhatTheTargetKeeps(TestKafka kafka)
      throws Exception {
    String source = kafka.createTopic("big.events", 1);
    String target = kafka.createTopic("big.events.copy", 1, Map.of("retention.ms", "3600000"));
    String forever = kafka.createTopic("big.events.kept", 1, Map.of("retention.ms", "-1"));
    // Compressed, it fits the topic's limit of about 1 MiB; as it is, it is three times that.
    Properties props = kafka.producerProperties();
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip");
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20);
    String big = "x".repeat(3 << 20);
    try (KafkaProducer<String, String> compressing = new KafkaProducer<>(props)) {
      compressing.send(new ProducerRecord<>(source, 0, BASE.toEpochMilli(), "big", big)).get();
    }

    CopyPlan plan = copy.plan(SourceSpec.parse(source), target, Optional.empty());
    assertThat(plan.targetRetention()).contains(Duration.ofHours(1));
    assertThat(copy.plan(SourceSpec.parse(source), forever, Optional.empty()).targetRetention())
        .isEmpty();
    copy.copy(plan, progress -> {});

    assertThat(TopicRecords.read(kafka, target))
        .singleElement()
        .satisfies(record -> assertThat(record.value()).isEqualTo(big));
  }

  @Test
  void aCopyStoppedByARecordItCannotWriteAndRunAgainWritesEachRecordOnce(TestKafka kafka) {
    String source = kafka.createTopic("order.events", 1);
    String target = kafka.createTopic("order.events.copy", 1);
    for (int i = 0; i < 20; i++) {
      send(source, 0, "k" + i, "v" + i, BASE.plusSeconds(i));
    }
    send(source, 0, "big", "x".repeat(5_000), BASE.plusSeconds(20));
    for (int i = 21; i < 25; i++) {
      send(source, 0, "k" + i, "v" + i, BASE.plusSeconds(i));
    }
    producer.flush();
    // A copy whose producer takes no record as large as the big one.
    try (RecordCopy small =
        new RecordCopy(
            Map.of("bootstrap.servers", kafka.bootstrapServers(), "max.request.size", 2_000))) {
      CopyPlan plan = small.plan(SourceSpec.parse(source), target, Optional.empty());

      assertThatThrownBy(() -> small.copy(plan, progress -> {}))
          .hasMessageContaining("Could not write " + source + "-0@20 to " + target)
          .hasMessageContaining("run the same copy again to go on from where it got");
    }

    // The same copy again, with a producer that takes it: every record once, none of the
    // stopped attempt's twice.
    CopyPlan again = copy.plan(SourceSpec.parse(source), target, Optional.empty());
    CopySummary summary = copy.copy(again, progress -> {});

    assertThat(summary.copied() + again.alreadyCopied()).isEqualTo(25);
    assertThat(TopicRecords.read(kafka, target))
        .extracting(ConsumerRecord::key)
        .containsExactlyElementsOf(
            IntStream.range(0, 25).mapToObj(i -> i == 20 ? "big" : "k" + i).toList());
  }

  @Test
  void theSameCopyRunAgainGoesOnWhereTheLastRunStoppedUnlessToldToCopyAgain(TestKafka kafka) {
    String source = kafka.createTopic("customer.events", 2);
    String target = kafka.createTopic("customer.events.copy", 2);
    for (int i = 0; i < 10; i++) {
      send(source, i % 2, "c" + i, "first-" + i, BASE.plusSeconds(i));
    }
    producer.flush();
    copy.copy(copy.plan(SourceSpec.parse(source), target, Optional.empty()), progress -> {});
    for (int i = 0; i < 6; i++) {
      send(source, i % 2, "c" + i, "then-" + i, BASE.plusSeconds(20 + i));
    }
    producer.flush();

    CopyPlan onwards = copy.plan(SourceSpec.parse(source), target, Optional.empty());
    assertThat(onwards.alreadyCopied()).isEqualTo(10);
    assertThat(onwards.total()).isEqualTo(6);
    copy.copy(onwards, progress -> {});
    assertThat(TopicRecords.read(kafka, target))
        .extracting(ConsumerRecord::value)
        .hasSize(16)
        .doesNotHaveDuplicates();
    // Another copy of the same source, to another target or from another start, is its own.
    assertThat(
            copy.plan(SourceSpec.parse(source + ":1@2"), target, Optional.empty()).alreadyCopied())
        .isZero();

    CopyPlan all = copy.plan(SourceSpec.parse(source), target, Optional.empty(), true);
    assertThat(all.alreadyCopied()).isZero();
    assertThat(all.total()).isEqualTo(16);
    copy.copy(all, progress -> {});
    assertThat(TopicRecords.read(kafka, target)).hasSize(32);
  }

  @Test
  void refusesBadInputBeforeWritingAnything(TestKafka kafka) {
    String source = kafka.createTopic("order.events", 2);
    String target = kafka.createTopic("order.events.copy", 2);
    for (int i = 0; i < 5; i++) {
      send(source, 0, "k" + i, "v" + i, BASE.plusSeconds(i));
    }
    producer.flush();
    String missing = kafka.topicName("no.such.topic");

    assertRefused(SourceSpec.parse(missing), target, null, "Unknown source topic: " + missing);
    assertRefused(SourceSpec.parse(source), missing, null, "Unknown target topic: " + missing);
    assertRefused(
        SourceSpec.parse(source + ":2@0"),
        target,
        null,
        "has 2 partition(s), 0 to 1: there is no partition 2");
    Instant future = Instant.now().plus(1, ChronoUnit.HOURS);
    assertRefused(SourceSpec.parse(source + "@" + future), target, null, "is in the future");
    assertRefused(
        SourceSpec.parse(source + ":0@3"), target, "2", "is not after the start, offset 3");
    assertRefused(SourceSpec.parse(source + ":0@3"), target, "6", "is past the end of");
    assertRefused(SourceSpec.parse(source + ":0@9"), target, null, "is past its end, offset 5");
    assertRefused(
        SourceSpec.parse(source + "@" + BASE.plusSeconds(3)),
        target,
        BASE.plusSeconds(2).toString(),
        "is not after the start time");
    assertRefused(SourceSpec.parse(source), target, "3", "belongs to one partition");
    assertRefused(SourceSpec.parse(source), source, null, "the same topic");
    assertThat(TopicRecords.ends(kafka, target).values()).containsOnly(0L);
  }

  private void assertRefused(SourceSpec from, String to, String until, String message) {
    assertThatThrownBy(
            () -> copy.plan(from, to, Optional.ofNullable(until).map(LogPosition::parseBound)))
        .isInstanceOf(ReplayException.class)
        .hasMessageContaining(message);
  }

  private void send(String topic, int partition, String key, String value, Instant timestamp) {
    ProducerRecord<String, String> record =
        new ProducerRecord<>(topic, partition, timestamp.toEpochMilli(), key, value);
    record.headers().add("id", ("id-" + value).getBytes(UTF_8));
    record.headers().add("eventType", "Test".getBytes(UTF_8));
    record.headers().add("traceparent", "00-trace-span-01".getBytes(UTF_8));
    producer.send(record);
  }
}
