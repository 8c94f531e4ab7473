package io.tideway.replay;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import io.tideway.topics.DeadLetterLimit;
import io.tideway.topology.RefusedResults;
import io.tideway.topology.dedupe.Deduplicate;
import io.tideway.topology.saga.Saga;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.ListenerExecutionFailedException;

/**
 * Re-drives dead letters that a real Kafka Streams application wrote with its processing exception
 * handler, back into that application, which deduplicates by event id; and those Spring's recoverer
 * wrote for a service's listener.
 */
@TidewayTest
class DeadLetterRedriveIT {

  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final Instant BASE =
      Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);

  @TempDir Path stateDir;

  private final AtomicBoolean fixed = new AtomicBoolean();
  private String orders;
  private String effects;
  private String dlq;
  private KafkaProducer<String, String> producer;
  private KafkaStreams streams;
  private DeadLetterRedrive redrive;

  @BeforeEach
  void start(TestKafka kafka) {
    orders = kafka.createTopic("order.events", 2);
    effects = kafka.createTopic("order.effects", 1);
    dlq = kafka.createTopic("order-app.dlq", 1);
    Properties props = kafka.producerProperties();
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    producer = new KafkaProducer<>(props);
    redrive = new DeadLetterRedrive(Map.of("bootstrap.servers", kafka.bootstrapServers()));
  }

  @AfterEach
  void stop() {
    if (streams != null) {
      streams.close(Duration.ofSeconds(10));
    }
    producer.close();
    redrive.close();
  }

  @Test
  void sendsGenuineDeadLettersBackOnceEvenWhenReDrivenTwice(TestKafka kafka) {
    streams = new KafkaStreams(topology(), streamsSettings(kafka));
    streams.start();
    send(0, "order-1", "ok-1", BASE);
    send(1, "order-2", "poison-2", BASE.plusSeconds(1));
    send(0, "order-3", "bad-3", BASE.plusSeconds(2));
    send(1, "order-4", "poison-4", BASE.plusSeconds(3));
    send(0, "order-5", "ok-5", BASE.plusSeconds(4));
    await().atMost(WAIT).until(() -> TopicRecords.read(kafka, dlq).size() == 3);
    await().atMost(WAIT).until(() -> effectCounts(kafka).size() == 2);
    List<ConsumerRecord<String, String>> failed =
        TopicRecords.read(kafka, orders).stream().filter(r -> !r.value().startsWith("ok")).toList();

    // A dry run lists and sends nothing; the filters narrow what it lists.
    List<DeadLetter> listed = new ArrayList<>();
    Map<TopicPartition, Long> before = TopicRecords.ends(kafka, orders);
    RedriveSummary dryRun =
        redrive.redrive(
            dlq,
            DeadLetterFilter.parse(List.of("exception=IllegalStateException"), null),
            true,
            listener(listed, new ArrayList<>()));
    assertThat(dryRun.sent()).isEqualTo(2);
    assertThat(dryRun.filteredOut()).isEqualTo(1);
    assertThat(TopicRecords.ends(kafka, orders)).isEqualTo(before);
    assertThat(listed)
        .extracting(DeadLetter::originalTopic, DeadLetter::exception, DeadLetter::message)
        .containsExactly(
            tuple(orders, IllegalStateException.class.getName(), "poison: poison-2"),
            tuple(orders, IllegalStateException.class.getName(), "poison: poison-4"));
    assertThat(listed.get(0).origin()).isEqualTo(orders + "-1@0");
    assertThat(listed.get(0).location()).isEqualTo(dlq + "-0@" + listed.get(0).dlqOffset());
    assertThat(
            redrive
                .redrive(
                    dlq,
                    DeadLetterFilter.parse(List.of("topic=" + orders), BASE.plusSeconds(3)),
                    true,
                    new RedriveListener() {})
                .sent())
        .isEqualTo(1);

    // The cause is fixed: re-drive one kind, then everything twice.
    fixed.set(true);
    RedriveSummary poisonOnly =
        redrive.redrive(
            dlq,
            DeadLetterFilter.parse(List.of("exception=IllegalStateException"), null),
            false,
            new RedriveListener() {});
    assertThat(poisonOnly.sentByTopic()).isEqualTo(Map.of(orders, 2L));
    await().atMost(WAIT).until(() -> effectCounts(kafka).size() == 4);
    redrive.redrive(dlq, DeadLetterFilter.ALL, false, new RedriveListener() {});
    redrive.redrive(dlq, DeadLetterFilter.ALL, false, new RedriveListener() {});
    // Markers behind the re-driven records in both partitions: once they are through, so is all.
    send(0, "order-6", "ok-6", BASE.plusSeconds(5));
    send(1, "order-7", "ok-7", BASE.plusSeconds(6));
    await().atMost(WAIT).until(() -> effectCounts(kafka).size() == 7);

    assertThat(effectCounts(kafka).values()).containsOnly(1L);
    List<ConsumerRecord<String, String>> redriven =
        TopicRecords.read(kafka, orders).stream()
            .filter(r -> !r.value().startsWith("ok") && r.offset() > 1)
            .toList();
    assertThat(redriven).hasSize(2 + 3 + 3);
    for (ConsumerRecord<String, String> copy : redriven) {
      ConsumerRecord<String, String> original =
          failed.stream().filter(r -> r.value().equals(copy.value())).findFirst().orElseThrow();
      assertThat(copy.key()).isEqualTo(original.key());
      assertThat(copy.partition()).isEqualTo(original.partition());
      assertThat(copy.timestamp()).isEqualTo(original.timestamp());
      assertThat(copy.headers().toArray())
          .extracting(Header::key)
          .containsExactly("id", "eventType", "traceparent");
      assertThat(copy.headers().toArray())
          .extracting(Header::value)
          .containsExactlyElementsOf(
              List.of(original.headers().toArray()).stream().map(Header::value).toList());
    }
  }

  @Test
  void sendsBackTheOriginalOfADeadLetterWhoseBytesKafkaStreamsFreed(TestKafka kafka)
      throws Exception {
    // The source writes each order to a topic of its own before the check fails on it.
    String copies = kafka.createTopic("order.copies", 1);
    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, String> in =
        builder.stream(orders, Consumed.with(Serdes.String(), Serdes.String()));
    in.to(copies, Produced.with(Serdes.String(), Serdes.String()));
    in.processValues(() -> new OrderCheck(fixed), Named.as("check"))
        .to(effects, Produced.with(Serdes.String(), Serdes.String()));
    streams = new KafkaStreams(builder.build(), streamsSettings(kafka));
    streams.start();
    send(0, "order-1", "poison-1", BASE);
    send(0, "order-2", "poison-2", BASE.plusSeconds(1));
    await().atMost(WAIT).until(() -> TopicRecords.read(kafka, dlq).size() == 2);
    assertThat(TopicRecords.read(kafka, dlq))
        .allSatisfy(
            letter -> {
              assertThat(letter.key()).isNull();
              assertThat(letter.value()).isNull();
            });
    // The first order's original is gone from the log.
    kafka
        .admin()
        .deleteRecords(Map.of(new TopicPartition(orders, 0), RecordsToDelete.beforeOffset(1)))
        .all()
        .get();

    fixed.set(true);
    List<String> reasons = new ArrayList<>();
    RedriveSummary summary =
        redrive.redrive(dlq, DeadLetterFilter.ALL, false, listener(new ArrayList<>(), reasons));

    assertThat(summary.sent()).isEqualTo(1);
    assertThat(reasons)
        .singleElement(as(InstanceOfAssertFactories.STRING))
        .contains("Kafka Streams kept neither its key nor its value")
        .contains("its original " + orders + "-0@0 is no longer in the log, skipped");
    ConsumerRecord<String, String> sentBack = TopicRecords.read(kafka, orders).get(1);
    assertThat(sentBack.offset()).isEqualTo(2);
    assertThat(sentBack.key()).isEqualTo("order-2");
    assertThat(sentBack.value()).isEqualTo("poison-2");
    assertThat(sentBack.timestamp()).isEqualTo(BASE.plusSeconds(1).toEpochMilli());
    assertThat(new String(sentBack.headers().lastHeader("id").value(), UTF_8))
        .isEqualTo("event-poison-2");
    await().atMost(WAIT).until(() -> effectCounts(kafka).equals(Map.of("poison-2", 1L)));
  }

  @Test
  void sendsBackTheDeadLettersOfASpringListener(TestKafka kafka) throws Exception {
    String commands = kafka.createTopic("inventory.commands", 2);
    String serviceDlq = kafka.createTopic("inventory.dlq", 1);
    producer.send(record(commands, 1, "sku-1", "reserve-1", BASE));
    producer.send(record(commands, 0, "sku-2", "reserve-2", BASE.plusSeconds(1)));
    producer.flush();
    List<ConsumerRecord<String, String>> failed = TopicRecords.read(kafka, commands);
    // What the services' error handler does once a listener has failed its retries.
    DefaultKafkaProducerFactory<String, String> factory =
        new DefaultKafkaProducerFactory<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
            new StringSerializer(),
            new StringSerializer());
    try {
      DeadLetterPublishingRecoverer recoverer =
          new DeadLetterPublishingRecoverer(
              new KafkaTemplate<>(factory), (r, e) -> new TopicPartition(serviceDlq, -1));
      for (ConsumerRecord<String, String> record : failed) {
        recoverer.accept(
            record,
            new ListenerExecutionFailedException(
                "Listener failed", new IllegalStateException("out of stock: " + record.value())));
      }
    } finally {
      factory.destroy();
    }

    List<DeadLetter> listed = new ArrayList<>();
    redrive.redrive(
        serviceDlq,
        DeadLetterFilter.parse(
            List.of("exception=IllegalStateException", "topic=" + commands), null),
        true,
        listener(listed, new ArrayList<>()));
    assertThat(listed)
        .extracting(DeadLetter::origin, DeadLetter::exception)
        .containsExactlyInAnyOrder(
            tuple(commands + "-1@0", IllegalStateException.class.getName()),
            tuple(commands + "-0@0", IllegalStateException.class.getName()));
    assertThat(listed).allSatisfy(l -> assertThat(l.message()).contains("out of stock"));

    RedriveSummary summary =
        redrive.redrive(serviceDlq, DeadLetterFilter.ALL, false, new RedriveListener() {});

    assertThat(summary.sentByTopic()).isEqualTo(Map.of(commands, 2L));
    List<ConsumerRecord<String, String>> redriven =
        TopicRecords.read(kafka, commands).stream().filter(r -> r.offset() == 1).toList();
    assertThat(redriven)
        .extracting(
            ConsumerRecord::partition,
            ConsumerRecord::key,
            ConsumerRecord::value,
            r -> r.timestamp())
        .containsExactlyInAnyOrderElementsOf(
            failed.stream()
                .map(r -> tuple(r.partition(), r.key(), r.value(), r.timestamp()))
                .toList());
    assertThat(redriven)
        .allSatisfy(
            r ->
                assertThat(r.headers().toArray())
                    .extracting(Header::key)
                    .containsExactly("id", "eventType", "traceparent"));
  }

  @Test
  void sendsACompensationTheSagaGaveUpOnToTheTopicItWasFor(TestKafka kafka) {
    String commands = kafka.createTopic("customer.commands", 3);
    String sagaId = UUID.randomUUID().toString();
    // What the saga engine writes when a compensation failed past its retries.
    ProducerRecord<String, String> given = new ProducerRecord<>(dlq, sagaId, "ReleaseCredit");
    given.headers().add("id", "release-attempt-11".getBytes(UTF_8));
    given.headers().add("eventType", "ReleaseCredit".getBytes(UTF_8));
    given.headers().add(DeadLetter.EXCEPTION_HEADER, "saga.CompensationFailed".getBytes(UTF_8));
    given.headers().add(DeadLetter.MESSAGE_HEADER, "failed after 10 attempts".getBytes(UTF_8));
    given.headers().add(Saga.SAGA_HEADER, "place-order".getBytes(UTF_8));
    given.headers().add(Saga.SAGA_ID_HEADER, sagaId.getBytes(UTF_8));
    given.headers().add(Saga.STEP_HEADER, "reserve-credit".getBytes(UTF_8));
    given.headers().add(Saga.DESTINATION_HEADER, commands.getBytes(UTF_8));
    producer.send(given);
    producer.flush();

    RedriveSummary summary =
        redrive.redrive(
            dlq,
            DeadLetterFilter.parse(List.of("exception=CompensationFailed"), null),
            false,
            new RedriveListener() {});

    assertThat(summary.sentByTopic()).isEqualTo(Map.of(commands, 1L));
    ConsumerRecord<String, String> sent = TopicRecords.read(kafka, commands).get(0);
    assertThat(sent.key()).isEqualTo(sagaId);
    assertThat(sent.value()).isEqualTo("ReleaseCredit");
    // Where the saga's own sends of the command went: the default partitioner, by saga id.
    assertThat(sent.partition())
        .isEqualTo(Utils.toPositive(Utils.murmur2(sagaId.getBytes(UTF_8))) % 3);
    assertThat(sent.headers().toArray()).extracting(Header::key).containsExactly("id", "eventType");
  }

  @Test
  void skipsAndReportsDeadLettersItCannotSendBack(TestKafka kafka) {
    ProducerRecord<String, String> noTopic = new ProducerRecord<>(dlq, "k", "v");
    noTopic.headers().add(DeadLetter.EXCEPTION_HEADER, "x.Boom".getBytes(UTF_8));
    ProducerRecord<String, String> goneTopic = new ProducerRecord<>(dlq, "k", "v");
    goneTopic
        .headers()
        .add(DeadLetter.TOPIC_HEADER, kafka.topicName("deleted.events").getBytes(UTF_8));
    // A punctuator's result the runtime dead-lettered without its bytes, too large to keep.
    String reminders = kafka.createTopic("reminders", 1);
    ProducerRecord<String, String> resultWithoutBytes = new ProducerRecord<>(dlq, null, null);
    resultWithoutBytes
        .headers()
        .add(RefusedResults.DESTINATION_HEADER, reminders.getBytes(UTF_8))
        .add(DeadLetterLimit.OMITTED_HEADER, "a dead letter of about 2 MiB".getBytes(UTF_8));
    producer.send(noTopic);
    producer.send(goneTopic);
    producer.send(resultWithoutBytes);
    producer.flush();
    List<String> reasons = new ArrayList<>();

    RedriveSummary summary =
        redrive.redrive(dlq, DeadLetterFilter.ALL, false, listener(new ArrayList<>(), reasons));

    assertThat(summary.skipped()).isEqualTo(3);
    assertThat(summary.sent()).isZero();
    assertThat(reasons)
        .containsExactly(
            dlq
                + "-0@0: no __streams.errors.topic, kafka_dlt-original-topic,"
                + " tideway.saga.destination or tideway.result.destination header names its"
                + " original topic, skipped",
            dlq
                + "-0@1: its original topic "
                + kafka.topicName("deleted.events")
                + " no longer exists, skipped",
            dlq
                + "-0@2: its record was too large to keep in the dead letter, and no log holds"
                + " it: it was for "
                + reminders
                + ", skipped");
    assertThat(TopicRecords.read(kafka, reminders)).isEmpty();
  }

  @Test
  void countsTheDeadLettersWhoseOriginalsAreOlderThanTheDeduplicationWindow(TestKafka kafka) {
    Instant now = Instant.now();
    producer.send(letter(now.minus(RedriveSummary.DEDUPLICATION_WINDOW).minus(1, ChronoUnit.DAYS)));
    producer.send(letter(now.minus(RedriveSummary.DEDUPLICATION_WINDOW).plus(1, ChronoUnit.HOURS)));
    producer.flush();

    RedriveSummary summary =
        redrive.redrive(dlq, DeadLetterFilter.ALL, true, new RedriveListener() {});

    assertThat(summary.sent()).isEqualTo(2);
    assertThat(summary.pastDeduplication()).isEqualTo(1);
  }

  /** A dead letter as Kafka Streams writes one, of a record of {@code orders} at that time. */
  private ProducerRecord<String, String> letter(Instant at) {
    ProducerRecord<String, String> letter =
        new ProducerRecord<>(dlq, null, at.toEpochMilli(), "order-1", "poison-1");
    letter
        .headers()
        .add(DeadLetter.TOPIC_HEADER, orders.getBytes(UTF_8))
        .add(DeadLetter.PARTITION_HEADER, "0".getBytes(UTF_8))
        .add(DeadLetter.OFFSET_HEADER, "0".getBytes(UTF_8));
    return letter;
  }

  @Test
  void reDrivesIntoARepartitionTopicOnlyWhenTheFilterNamesIt(TestKafka kafka) throws Exception {
    String repartition =
        "orders-" + UUID.randomUUID().toString().substring(0, 8) + "-by-customer-repartition";
    kafka.admin().createTopics(List.of(new NewTopic(repartition, 1, (short) 1))).all().get();
    ProducerRecord<String, String> afterRepartition = new ProducerRecord<>(dlq, "k", "v");
    afterRepartition.headers().add("id", "order-1".getBytes(UTF_8));
    afterRepartition.headers().add(DeadLetter.TOPIC_HEADER, repartition.getBytes(UTF_8));
    producer.send(afterRepartition);
    producer.flush();
    List<String> reasons = new ArrayList<>();

    RedriveSummary all =
        redrive.redrive(dlq, DeadLetterFilter.ALL, false, listener(new ArrayList<>(), reasons));
    RedriveSummary named =
        redrive.redrive(
            dlq,
            DeadLetterFilter.parse(List.of("topic=" + repartition), null),
            false,
            new RedriveListener() {});

    assertThat(all.sent()).isZero();
    assertThat(all.skipped()).isEqualTo(1);
    assertThat(reasons)
        .singleElement()
        .asString()
        .contains(
            "is a topology's internal topic (a repartition or a foreign-key join), read past its")
        .contains("topic=" + repartition);
    assertThat(named.sentByTopic()).isEqualTo(Map.of(repartition, 1L));
    assertThat(TopicRecords.read(kafka, repartition))
        .extracting(ConsumerRecord::value)
        .containsExactly("v");
  }

  @Test
  void refusesAnUnknownDeadLetterTopic(TestKafka kafka) {
    String missing = kafka.topicName("missing.dlq");

    assertThatThrownBy(
            () -> redrive.redrive(missing, DeadLetterFilter.ALL, true, new RedriveListener() {}))
        .isInstanceOf(ReplayException.class)
        .hasMessage("Unknown dead-letter topic: " + missing);
  }

  /**
   * Checks each order, failing on poison until the cause is fixed, then deduplicates by event id
   * and records the effect. The check comes first, so a failed record's id is not yet remembered.
   */
  private Topology topology() {
    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, String> checked =
        builder.stream(orders, Consumed.with(Serdes.String(), Serdes.String()))
            .processValues(() -> new OrderCheck(fixed), Named.as("check"));
    Deduplicate.<String, String>byEventId("dedupe")
        .apply(checked)
        .to(effects, Produced.with(Serdes.String(), Serdes.String()));
    return builder.build();
  }

  private Properties streamsSettings(TestKafka kafka) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, kafka.topicName("order-app"));
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    props.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueProcessingExceptionHandler.class);
    props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, dlq);
    return props;
  }

  private Map<String, Long> effectCounts(TestKafka kafka) {
    return TopicRecords.read(kafka, effects).stream()
        .collect(Collectors.groupingBy(ConsumerRecord::value, Collectors.counting()));
  }

  private void send(int partition, String key, String value, Instant timestamp) {
    producer.send(record(orders, partition, key, value, timestamp));
    producer.flush();
  }

  private static ProducerRecord<String, String> record(
      String topic, int partition, String key, String value, Instant timestamp) {
    ProducerRecord<String, String> record =
        new ProducerRecord<>(topic, partition, timestamp.toEpochMilli(), key, value);
    record.headers().add("id", ("event-" + value).getBytes(UTF_8));
    record.headers().add("eventType", "OrderPlaced".getBytes(UTF_8));
    record.headers().add("traceparent", ("00-trace-" + key + "-01").getBytes(UTF_8));
    return record;
  }

  private static RedriveListener listener(List<DeadLetter> listed, List<String> reasons) {
    return new RedriveListener() {
      @Override
      public void wouldSend(DeadLetter letter) {
        listed.add(letter);
      }

      @Override
      public void skipped(DeadLetter letter, String reason) {
        reasons.add(reason);
      }
    };
  }

  /** Fails on orders whose value starts with "poison" or "bad" until the cause is fixed. */
  private static final class OrderCheck implements FixedKeyProcessor<String, String, String> {
    private final AtomicBoolean fixed;
    private FixedKeyProcessorContext<String, String> context;

    OrderCheck(AtomicBoolean fixed) {
      this.fixed = fixed;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, String> context) {
      this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, String> record) {
      if (!fixed.get() && record.value().startsWith("poison")) {
        throw new IllegalStateException("poison: " + record.value());
      }
      if (!fixed.get() && record.value().startsWith("bad")) {
        throw new IllegalArgumentException("bad: " + record.value());
      }
      context.forward(record);
    }
  }
}
