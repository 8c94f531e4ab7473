package io.tideway.loadtest.rebuild;

import io.tideway.contracts.common.Address;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.contracts.order.OrderApproved;
import io.tideway.contracts.order.OrderLine;
import io.tideway.contracts.order.OrderPlaced;
import io.tideway.loadtest.LocalState;
import io.tideway.loadtest.TopicLeaders;
import io.tideway.topics.Topic;
import io.tideway.topics.Topics;
import io.tideway.topology.DeploymentContext;
import io.tideway.topology.EventHeaders;
import io.tideway.topology.TopologyProvider;
import io.tideway.topology.runtime.TopologyRuntime;
import java.math.BigDecimal;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * How fast a rebuild replays the log. Feeds customer and order events — each customer registered,
 * each order placed and approved — then runs, one after the other on one broker, under {@code
 * exactly_once_v2} and each from the beginning under a fresh application id as {@code tideway
 * replay rebuild} does: a passthrough of the same events to one output topic, and the reference
 * projections from their topology jar (customer-orders with its history, order-view, the
 * aggregates' histories and the sales windows), with the {@code max.task.idle.ms} a rebuild replays
 * with (its tasks wait for data on every input, so records are taken in time order). Each run's
 * rate is events over the time from the application turning {@code RUNNING} to its group having
 * committed the end of every input and repartition partition; two rounds, each one's better run
 * kept.
 */
public final class RebuildBenchmark {

  /** The rebuild against the passthrough, at least. */
  public static final double TARGET = 0.5;

  private static final String PROJECTIONS = "reference-projections";
  private static final int ROUNDS = 2;

  /**
   * How often the end is looked for: it is found up to this (and the admin calls' time) late, which
   * weighs most on the shortest run, the passthrough's second or two, and would flatter the ratio.
   */
  private static final Duration POLL = Duration.ofMillis(20);

  /**
   * @param bootstrapServers the broker
   * @param projectionsJar the reference projections' topology jar
   * @param customers customers registered
   * @param orders orders, each placed and approved: two events
   * @param partitions partitions of each events topic
   * @param timeout longest time one run may take
   */
  public record Settings(
      String bootstrapServers,
      Path projectionsJar,
      int customers,
      int orders,
      int partitions,
      Duration timeout) {

    /** Events fed: one per customer, two per order. */
    public long events() {
      return customers + 2L * orders;
    }
  }

  /**
   * One run.
   *
   * @param topology {@code passthrough} or {@code rebuild}
   * @param events events read
   * @param seconds from running to having committed every input
   */
  public record Run(String topology, long events, double seconds) {
    public double eventsPerSecond() {
      return events / seconds;
    }
  }

  /** Both runs side by side. */
  public record Report(Run passthrough, Run rebuild) {
    public double ratio() {
      return rebuild.eventsPerSecond() / passthrough.eventsPerSecond();
    }

    /** The report as lines, the ratio against its target. */
    public List<String> lines() {
      List<String> lines = new ArrayList<>();
      for (Run run : List.of(passthrough, rebuild)) {
        lines.add(
            String.format(
                "%-12s %,10d events in %6.2f s: %,10.0f events/s",
                run.topology(), run.events(), run.seconds(), run.eventsPerSecond()));
      }
      lines.add(
          String.format(
              "rebuild / passthrough = %.2f (target >= %.1f): %s",
              ratio(), TARGET, ratio() >= TARGET ? "PASS" : "MISS"));
      return lines;
    }
  }

  private final Settings settings;
  private final Consumer<String> progress;
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String prefix = "loadtest-rebuild-" + run;
  private final Map<String, Object> deploymentSettings = new HashMap<>();

  public RebuildBenchmark(Settings settings, Consumer<String> progress) {
    this.settings = settings;
    this.progress = progress;
    deploymentSettings.put("schema.registry.url", "mock://" + prefix);
    for (Topic<?, ?> topic : List.of(Topics.CUSTOMER_EVENTS, Topics.ORDER_EVENTS)) {
      deploymentSettings.put(
          DeploymentContext.TOPIC_RENAME_PREFIX + topic.name(), prefix + "." + topic.name());
    }
  }

  /** Creates the topics, feeds them, runs both topologies and deletes what they made. */
  public Report run() throws Exception {
    String customers = prefix + "." + Topics.CUSTOMER_EVENTS.name();
    String orders = prefix + "." + Topics.ORDER_EVENTS.name();
    String output = prefix + ".passthrough";
    Path stateDir = Files.createTempDirectory("tideway-rebuild-bench");
    try (Admin admin = admin()) {
      List<NewTopic> topics =
          Stream.of(customers, orders, output)
              .map(name -> new NewTopic(name, settings.partitions(), (short) 1))
              .toList();
      admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
      TopicLeaders.await(admin, List.of(customers, orders, output), Duration.ofSeconds(30));
      try (URLClassLoader jar =
          new URLClassLoader(
              new java.net.URL[] {settings.projectionsJar().toUri().toURL()},
              RebuildBenchmark.class.getClassLoader())) {
        TopologyProvider projections = projections(jar);
        long events = feed(customers, orders);
        Run passthrough = null;
        Run rebuild = null;
        for (int round = 1; round <= ROUNDS; round++) {
          // The first round also warms the JVM and the broker's cache, for both alike.
          passthrough =
              faster(
                  passthrough,
                  measure(
                      "passthrough",
                      prefix + "-passthrough-" + round,
                      false,
                      events,
                      stateDir,
                      context -> passthrough(context, customers, orders, output),
                      admin));
          rebuild =
              faster(
                  rebuild,
                  measure(
                      "rebuild",
                      prefix + "-rebuild-" + round,
                      true,
                      events,
                      stateDir,
                      context -> buildIn(jar, projections, context),
                      admin));
        }
        return new Report(passthrough, rebuild);
      } finally {
        List<String> created =
            admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                .filter(name -> name.startsWith(prefix))
                .toList();
        admin.deleteTopics(created).all().get(30, TimeUnit.SECONDS);
        LocalState.delete(stateDir);
      }
    }
  }

  private static TopologyProvider projections(ClassLoader jar) {
    return ServiceLoader.load(TopologyProvider.class, jar).stream()
        .map(ServiceLoader.Provider::get)
        .filter(provider -> provider.name().equals(PROJECTIONS))
        .findFirst()
        .orElseThrow(
            () -> new IllegalArgumentException("The jar has no topology named " + PROJECTIONS));
  }

  /** Builds a jar's topology with its classes in view, as the runtime does. */
  private static Topology buildIn(
      ClassLoader jar, TopologyProvider provider, DeploymentContext context) {
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(jar);
    try {
      return provider.build(context);
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  private static Topology passthrough(
      DeploymentContext context, String customers, String orders, String output) {
    StreamsBuilder builder = context.streamsBuilder();
    builder.stream(
            List.of(customers, orders),
            Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("events-source"))
        .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("out-sink"));
    return builder.build();
  }

  /** Registers every customer, then places and approves orders of random customers. */
  private long feed(String customersTopic, String ordersTopic) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    AtomicLong acknowledged = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    Random random = new Random(7);
    List<UUID> customers = new ArrayList<>();
    List<UUID> products = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      products.add(new UUID(random.nextLong(), random.nextLong()));
    }
    Instant start = Instant.now().minus(Duration.ofMinutes(30));
    progress.accept(String.format("Feeding %,d events ...", settings.events()));
    try (DeploymentContext context = DeploymentContext.of(prefix, deploymentSettings);
        KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      Serializer<SpecificRecord> customerEvents =
          context.valueSerde(Topics.CUSTOMER_EVENTS).serializer();
      Serializer<SpecificRecord> orderEvents = context.valueSerde(Topics.ORDER_EVENTS).serializer();
      Address address = new Address("1 Main St", "Berlin", "10115", "DE");
      for (int i = 0; i < settings.customers(); i++) {
        UUID customer = new UUID(random.nextLong(), random.nextLong());
        customers.add(customer);
        send(
            producer,
            customersTopic,
            customer,
            customerEvents,
            new CustomerCreated(
                customer, "Customer " + i, i + "@example.com", BigDecimal.TEN, address, start),
            start,
            acknowledged,
            failure);
      }
      for (int i = 0; i < settings.orders(); i++) {
        UUID order = new UUID(random.nextLong(), random.nextLong());
        Instant placedAt = start.plusMillis(i);
        OrderLine line =
            new OrderLine(products.get(random.nextInt(products.size())), 1, BigDecimal.ONE);
        OrderPlaced placed =
            new OrderPlaced(
                order,
                customers.get(random.nextInt(customers.size())),
                List.of(line),
                BigDecimal.ONE,
                address,
                placedAt);
        send(producer, ordersTopic, order, orderEvents, placed, placedAt, acknowledged, failure);
        Instant approvedAt = placedAt.plusMillis(200);
        send(
            producer,
            ordersTopic,
            order,
            orderEvents,
            new OrderApproved(order, approvedAt),
            approvedAt,
            acknowledged,
            failure);
      }
      producer.flush();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("The broker refused events", failure.get());
    }
    progress.accept(String.format("Fed %,d events", acknowledged.get()));
    return acknowledged.get();
  }

  private static void send(
      KafkaProducer<String, byte[]> producer,
      String topic,
      UUID key,
      Serializer<SpecificRecord> serializer,
      SpecificRecord event,
      Instant at,
      AtomicLong acknowledged,
      AtomicReference<Exception> failure) {
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(
            topic, null, at.toEpochMilli(), key.toString(), serializer.serialize(topic, event));
    record.headers().add(EventHeaders.ID, bytes(UUID.randomUUID().toString()));
    record.headers().add(EventHeaders.EVENT_TYPE, bytes(event.getSchema().getFullName()));
    record.headers().add(EventHeaders.OCCURRED_AT, bytes(Long.toString(at.toEpochMilli())));
    producer.send(
        record,
        (metadata, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          } else {
            acknowledged.incrementAndGet();
          }
        });
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Runs one topology from the beginning until its group has committed all there is; {@code
   * asRebuild} with the settings a rebuild replays with.
   */
  private Run measure(
      String name,
      String applicationId,
      boolean asRebuild,
      long events,
      Path stateDir,
      java.util.function.Function<DeploymentContext, Topology> topology,
      Admin admin)
      throws Exception {
    progress.accept("Running " + name + " from the beginning ...");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(applicationId).toString());
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    if (asRebuild) {
      props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, TopologyRuntime.replayTaskIdle(Map.of()));
    }
    try (DeploymentContext context = DeploymentContext.of(applicationId, deploymentSettings);
        KafkaStreams streams = new KafkaStreams(topology.apply(context), props)) {
      AtomicLong running = new AtomicLong();
      streams.setStateListener(
          (now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
              running.compareAndSet(0, System.nanoTime());
            }
          });
      streams.start();
      long deadline = System.nanoTime() + settings.timeout().toNanos();
      long lastReport = System.nanoTime();
      long left;
      while ((left = left(admin, applicationId)) > 0 || running.get() == 0) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              name + " had " + left + " records left after " + settings.timeout());
        }
        if (System.nanoTime() - lastReport > Duration.ofSeconds(2).toNanos()) {
          progress.accept(String.format("  %s: %,d records left", name, left));
          lastReport = System.nanoTime();
        }
        Thread.sleep(POLL.toMillis());
      }
      double seconds = (System.nanoTime() - running.get()) / 1e9;
      return new Run(name, events, seconds);
    }
  }

  /**
   * Records the application has still to commit, over its inputs and its repartition topics; a
   * partition it has not committed counts from its beginning.
   */
  private long left(Admin admin, String applicationId) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin
            .listConsumerGroupOffsets(applicationId)
            .partitionsToOffsetAndMetadata()
            .get(30, TimeUnit.SECONDS);
    List<String> topics =
        admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
            .filter(
                name ->
                    name.equals(prefix + "." + Topics.CUSTOMER_EVENTS.name())
                        || name.equals(prefix + "." + Topics.ORDER_EVENTS.name())
                        || (name.startsWith(applicationId + "-") && name.endsWith("-repartition")))
            .toList();
    Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
    admin
        .describeTopics(topics)
        .allTopicNames()
        .get(30, TimeUnit.SECONDS)
        .forEach(
            (topic, description) ->
                description
                    .partitions()
                    .forEach(
                        p ->
                            ends.put(
                                new TopicPartition(topic, p.partition()), OffsetSpec.latest())));
    long left = 0;
    for (var end : admin.listOffsets(ends).all().get(30, TimeUnit.SECONDS).entrySet()) {
      OffsetAndMetadata done = committed.get(end.getKey());
      left += Math.max(0, end.getValue().offset() - (done == null ? 0 : done.offset()));
    }
    return left;
  }

  private static Run faster(Run best, Run candidate) {
    return best == null || candidate.eventsPerSecond() > best.eventsPerSecond() ? candidate : best;
  }

  private Admin admin() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    return Admin.create(props);
  }
}
