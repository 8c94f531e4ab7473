package io.tideway.loadtest.dedupe;

import io.tideway.loadtest.LocalState;
import io.tideway.loadtest.TopicLeaders;
import io.tideway.topology.EventHeaders;
import io.tideway.topology.RocksDbStoreConfig;
import io.tideway.topology.dedupe.Deduplicate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Feeds one input topic with events, a share of them twice, then runs three topologies over it one
 * after another under {@code exactly_once_v2} on the same broker: a passthrough, {@link
 * Deduplicate}, and the classic window-store deduplication ({@link ClassicDeduplication}), twice in
 * turn, keeping each one's better run. Each reads the whole input from the beginning; its
 * throughput is input records over the time from the application turning {@code RUNNING} (its
 * partitions assigned) to its last output record as a read-committed consumer sees it, so start-up
 * and group joining do not count. Checks that both deduplications output each event exactly once.
 */
public final class DedupeBenchmark {

  /** Ours against the passthrough, at least. */
  public static final double PASSTHROUGH_TARGET = 0.6;

  /** Ours against the classic peer, at least. */
  public static final double CLASSIC_TARGET = 1.2;

  private static final Duration RETENTION = Deduplicate.DEFAULT_RETENTION;
  private static final int ROUNDS = 2;

  /** How long to keep reading after the expected count, for duplicates let through. */
  private static final Duration QUIET = Duration.ofSeconds(2);

  /**
   * @param bootstrapServers the broker
   * @param events distinct events
   * @param duplicateShare the share of events sent twice, 0 to 1
   * @param partitions partitions of the input
   * @param valueSize bytes of each value
   * @param timeout longest time one topology may take
   */
  public record Settings(
      String bootstrapServers,
      int events,
      double duplicateShare,
      int partitions,
      int valueSize,
      Duration timeout) {}

  /**
   * One topology's run.
   *
   * @param topology its name
   * @param inputs records read
   * @param outputs records written
   * @param seconds from the application running to its last output record
   */
  public record Run(String topology, long inputs, long outputs, double seconds) {
    public double recordsPerSecond() {
      return inputs / seconds;
    }
  }

  /**
   * The three runs side by side.
   *
   * @param exact whether both deduplications wrote each event exactly once
   */
  public record Report(Run passthrough, Run ours, Run classic, boolean exact) {
    public double oursToPassthrough() {
      return ours.recordsPerSecond() / passthrough.recordsPerSecond();
    }

    public double oursToClassic() {
      return ours.recordsPerSecond() / classic.recordsPerSecond();
    }

    /** The report as lines, each figure against its target. */
    public List<String> lines() {
      List<String> lines = new ArrayList<>();
      for (Run run : List.of(passthrough, ours, classic)) {
        lines.add(
            String.format(
                "%-12s %,10d records in, %,10d out in %6.2f s: %,10.0f records/s",
                run.topology(),
                run.inputs(),
                run.outputs(),
                run.seconds(),
                run.recordsPerSecond()));
      }
      lines.add(
          String.format(
              "ours / passthrough = %.2f (target >= %.1f): %s",
              oursToPassthrough(),
              PASSTHROUGH_TARGET,
              oursToPassthrough() >= PASSTHROUGH_TARGET ? "PASS" : "MISS"));
      lines.add(
          String.format(
              "ours / classic     = %.2f (target >= %.1f): %s",
              oursToClassic(),
              CLASSIC_TARGET,
              oursToClassic() >= CLASSIC_TARGET ? "PASS" : "MISS"));
      lines.add("each event exactly once in both deduplications: " + (exact ? "yes" : "NO"));
      return lines;
    }
  }

  private final Settings settings;
  private final Consumer<String> progress;
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  public DedupeBenchmark(Settings settings, Consumer<String> progress) {
    this.settings = settings;
    this.progress = progress;
  }

  /** Creates the topics, feeds the input, runs the three topologies and deletes the topics. */
  public Report run() throws Exception {
    String input = "loadtest-dedupe-" + run + ".in";
    List<String> outputs = new ArrayList<>();
    Path stateDir = Files.createTempDirectory("tideway-dedupe-bench");
    try (Admin admin = admin()) {
      List<NewTopic> topics = new ArrayList<>();
      topics.add(new NewTopic(input, settings.partitions(), (short) 1));
      for (String name : List.of("passthrough", "ours", "classic")) {
        outputs.add("loadtest-dedupe-" + run + "." + name);
        topics.add(new NewTopic(outputs.get(outputs.size() - 1), settings.partitions(), (short) 1));
      }
      admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
      TopicLeaders.await(
          admin, topics.stream().map(NewTopic::name).toList(), Duration.ofSeconds(30));
      try {
        long inputs = feed(input);
        // Two rounds, the best of each kept: the first round warms the JVM and the broker's cache
        // for all three alike.
        Run passthrough = null;
        Run ours = null;
        Run classic = null;
        Map<String, Integer> oursIds = new HashMap<>();
        Map<String, Integer> classicIds = new HashMap<>();
        boolean exact = true;
        for (int round = 1; round <= ROUNDS; round++) {
          String suffix = "-" + round;
          passthrough =
              faster(
                  passthrough,
                  measure(
                      "passthrough",
                      suffix,
                      input,
                      outputs.get(0),
                      inputs,
                      inputs,
                      stateDir,
                      null));
          oursIds.clear();
          ours =
              faster(
                  ours,
                  measure(
                      "ours",
                      suffix,
                      input,
                      outputs.get(1),
                      inputs,
                      settings.events(),
                      stateDir,
                      oursIds));
          classicIds.clear();
          classic =
              faster(
                  classic,
                  measure(
                      "classic",
                      suffix,
                      input,
                      outputs.get(2),
                      inputs,
                      settings.events(),
                      stateDir,
                      classicIds));
          exact &=
              exactlyOnce(oursIds, settings.events()) && exactlyOnce(classicIds, settings.events());
        }
        return new Report(passthrough, ours, classic, exact);
      } finally {
        List<String> created = new ArrayList<>(outputs);
        created.add(input);
        // With the applications' changelog and repartition topics, named after this run.
        admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
            .filter(topic -> topic.startsWith("loadtest-dedupe-" + run + "-"))
            .forEach(created::add);
        admin.deleteTopics(created).all().get(30, TimeUnit.SECONDS);
        LocalState.delete(stateDir);
      }
    }
  }

  /**
   * Sends every event once, and a share of them again a little later; returns the records the
   * broker acknowledged, and fails if it refused any.
   */
  private long feed(String input) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    Random random = new Random(7);
    byte[] value = new byte[settings.valueSize()];
    AtomicLong acknowledged = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    Callback check =
        (metadata, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          } else {
            acknowledged.incrementAndGet();
          }
        };
    List<ProducerRecord<String, byte[]>> again = new ArrayList<>();
    progress.accept(String.format("Feeding %,d events to %s ...", settings.events(), input));
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < settings.events(); i++) {
        random.nextBytes(value);
        ProducerRecord<String, byte[]> record =
            new ProducerRecord<>(input, "aggregate-" + random.nextInt(10_000), value.clone());
        record
            .headers()
            .add(EventHeaders.ID, UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        producer.send(record, check);
        if (random.nextDouble() < settings.duplicateShare()) {
          again.add(record);
        }
        // A duplicate follows its original after up to a thousand other events, as a relay
        // re-delivery would.
        if (again.size() > random.nextInt(1000) + 1) {
          producer.send(again.remove(0), check);
        }
      }
      for (ProducerRecord<String, byte[]> record : again) {
        producer.send(record, check);
      }
      producer.flush();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("The broker refused input records", failure.get());
    }
    progress.accept(String.format("Fed %,d records", acknowledged.get()));
    return acknowledged.get();
  }

  private static Run faster(Run best, Run candidate) {
    return best == null || candidate.recordsPerSecond() > best.recordsPerSecond()
        ? candidate
        : best;
  }

  private Run measure(
      String name,
      String round,
      String input,
      String output,
      long inputs,
      long expected,
      Path stateDir,
      Map<String, Integer> ids) {
    progress.accept("Running " + name + " over the input ...");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "loadtest-dedupe-" + run + "-" + name + round);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    // The topology runtime's store settings, so each store runs as it would there.
    props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, RocksDbStoreConfig.class);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(name + round).toString());
    props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
    props.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 256 * 1024);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    try (KafkaStreams streams = new KafkaStreams(topology(name, input, output), props);
        KafkaConsumer<String, byte[]> reader = reader(output)) {
      AtomicLong running = new AtomicLong();
      streams.setStateListener(
          (now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
              running.compareAndSet(0, System.nanoTime());
            }
          });
      streams.start();
      long count = 0;
      long last = 0;
      long deadline = System.nanoTime() + settings.timeout().toNanos();
      long lastSeen = System.nanoTime();
      long reported = 0;
      while (count < expected) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              name
                  + " wrote "
                  + count
                  + " of "
                  + expected
                  + " records within "
                  + settings.timeout());
        }
        for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(100))) {
          long now = System.nanoTime();
          last = now;
          lastSeen = now;
          count++;
          if (ids != null) {
            ids.merge(EventHeaders.eventId(record.headers()), 1, Integer::sum);
          }
        }
        if (count - reported >= expected / 10) {
          progress.accept(String.format("  %s: %,d of %,d", name, count, expected));
          reported = count;
        }
      }
      long quietUntil = System.nanoTime() + QUIET.toNanos();
      while (System.nanoTime() < quietUntil) {
        for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(100))) {
          count++;
          if (ids != null) {
            ids.merge(EventHeaders.eventId(record.headers()), 1, Integer::sum);
          }
        }
      }
      streams.close(Duration.ofSeconds(30));
      streams.cleanUp();
      double seconds = Math.max(1e-3, (last - running.get()) / 1e9);
      return new Run(name, inputs, count, seconds);
    }
  }

  private static Topology topology(String name, String input, String output) {
    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, byte[]> events =
        builder.stream(
            input, Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("bench-source"));
    KStream<String, byte[]> result;
    switch (name) {
      case "ours":
        result = Deduplicate.<String, byte[]>byEventId("bench-dedupe").apply(events);
        break;
      case "classic":
        result =
            events.processValues(
                new ClassicDeduplication<String, byte[]>("bench-classic-store", RETENTION),
                Named.as("bench-classic"));
        break;
      default:
        result = events;
    }
    result.to(output, Produced.with(Serdes.String(), Serdes.ByteArray()).withName("bench-sink"));
    return builder.build();
  }

  private KafkaConsumer<String, byte[]> reader(String topic) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    consumer.assign(
        consumer.partitionsFor(topic).stream()
            .map(p -> new TopicPartition(topic, p.partition()))
            .toList());
    // From the end as it is now: an earlier round's output is already there.
    consumer.seekToEnd(consumer.assignment());
    consumer.assignment().forEach(consumer::position);
    return consumer;
  }

  private Admin admin() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    return Admin.create(props);
  }

  private static boolean exactlyOnce(Map<String, Integer> ids, int events) {
    return ids.size() == events && ids.values().stream().allMatch(count -> count == 1);
  }
}
