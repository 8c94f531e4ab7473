package io.tideway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.testkit.SecuredKafka;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tideway replay} against a real broker, as an operator types it. */
@TidewayTest
class ReplayCommandIT {

  private final CapturedCommandLine cli = new CapturedCommandLine();

  @Test
  void printsThePlanOfADryRunThenCopies(TestKafka kafka) {
    String source = kafka.createTopic("order.events", 2);
    String target = kafka.createTopic("order.events.copy", 2);
    try (KafkaProducer<String, String> producer = stringProducer(kafka)) {
      for (int i = 0; i < 4; i++) {
        producer.send(new ProducerRecord<>(source, 1, "k" + i, "v" + i));
      }
    }
    String bootstrap = kafka.bootstrapServers();

    assertThat(copy(bootstrap, source + ":1@1", target, "--dry-run")).isZero();
    assertThat(cli.out())
        .contains("  partition 1: offsets 1 to 4 (3)")
        .contains("Dry run: nothing copied.");
    assertThat(copy(bootstrap, source, target)).isZero();
    assertThat(cli.out()).contains("Copied 4 record(s) from " + source + " to " + target);

    // The same copy again goes on where it stopped: nothing is left; --again copies it all.
    assertThat(copy(bootstrap, source, target)).isZero();
    assertThat(cli.out())
        .contains("4 offset(s) already copied by an earlier run of this copy")
        .contains("Copied 0 record(s)");
    assertThat(copy(bootstrap, source, target, "--again")).isZero();
    assertThat(cli.out().split("Copied 4 record\\(s\\) from ", -1))
        .as("the first copy and the one --again")
        .hasSize(3);
  }

  @Test
  void aCopyKilledAsAProcessAndRunAgainWritesEachRecordOnce(TestKafka kafka, @TempDir Path dir)
      throws Exception {
    int count = 200_000;
    String source = kafka.createTopic("ledger", 3);
    String target = kafka.createTopic("ledger.copy", 3);
    Properties props = kafka.producerProperties();
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      for (int i = 0; i < count; i++) {
        producer.send(new ProducerRecord<>(source, "k" + i % 97, "v" + i + "-" + "x".repeat(100)));
      }
    }
    String bootstrap = kafka.bootstrapServers();
    Path log = dir.resolve("copy.log");
    Process copying =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                PlatformProcess.shippedClassPath(),
                Tideway.class.getName(),
                "replay",
                "copy",
                "--from",
                source,
                "--to",
                target,
                "--bootstrap-server",
                bootstrap)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    long copiedWhenKilled;
    try {
      copiedWhenKilled = awaitFirstCommittedProgress(kafka, target, copying, log);
    } finally {
      // SIGKILL: no abort of the open transaction, no last commit of how far the copy got.
      copying.destroyForcibly();
      copying.waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(copiedWhenKilled).as("copied before the kill").isBetween(1L, count - 1L);

    assertThat(copy(bootstrap, source, target)).isZero();

    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            kafka.consumerProperties("ledger-check"),
            new StringDeserializer(),
            new StringDeserializer())) {
      List<TopicPartition> partitions =
          IntStream.range(0, 3).mapToObj(p -> new TopicPartition(target, p)).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
        assertThat(System.nanoTime()).as("the copy read to its end in time").isLessThan(deadline);
        consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
      }
    }
    assertThat(values.size()).as("records in the target").isEqualTo(count);
    assertThat(new HashSet<>(values)).as("distinct records in the target").hasSize(count);
    assertThat(cli.out()).contains("already copied by an earlier run of this copy");
  }

  /** Waits until the child copy has committed how far it got, and returns how many records. */
  private static long awaitFirstCommittedProgress(
      TestKafka kafka, String target, Process copying, Path log) throws Exception {
    String prefix = "tideway-copy-" + target + "-";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      assertThat(copying.isAlive()).as("the copy still runs; see %s", log).isTrue();
      Optional<String> group =
          kafka.admin().listGroups().all().get().stream()
              .map(GroupListing::groupId)
              .filter(id -> id.startsWith(prefix))
              .findFirst();
      if (group.isPresent()) {
        long copied =
            kafka
                .admin()
                .listConsumerGroupOffsets(group.get())
                .partitionsToOffsetAndMetadata()
                .get()
                .values()
                .stream()
                .mapToLong(OffsetAndMetadata::offset)
                .sum();
        if (copied > 0) {
          return copied;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("The copy committed no progress within a minute; see " + log);
  }

  @Test
  void copiesOnAClusterThatRequiresAuthenticationWithTheClientSettingsOfAFile(@TempDir Path dir)
      throws Exception {
    try (SecuredKafka kafka = SecuredKafka.start(dir.resolve("kafka"), "operator", Map.of())) {
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.plaintextBootstrap()))) {
        admin
            .createTopics(
                List.of(new NewTopic("orders", 1, (short) 1), new NewTopic("copy", 1, (short) 1)))
            .all()
            .get();
      }
      Properties props = new Properties();
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.plaintextBootstrap());
      props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
      props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
        for (int i = 0; i < 3; i++) {
          producer.send(new ProducerRecord<>("orders", "k" + i, "v" + i));
        }
      }
      Path clientConfig = dir.resolve("client.properties");
      Properties client = new Properties();
      client.putAll(kafka.clientSettings());
      try (Writer out = Files.newBufferedWriter(clientConfig)) {
        client.store(out, null);
      }

      int code =
          cli.run(
              "replay",
              "copy",
              "--from",
              "orders",
              "--to",
              "copy",
              "--bootstrap-server",
              kafka.saslBootstrap(),
              "--kafka-config",
              clientConfig.toString());

      assertThat(code).as(cli.err()).isZero();
      assertThat(cli.out()).contains("Copied 3 record(s) from orders to copy");
    }
  }

  @Test
  void refusesAClientConfigFileItCannotUse(@TempDir Path dir) throws Exception {
    Path naming = dir.resolve("naming.properties");
    Files.writeString(naming, "bootstrap.servers=127.0.0.1:1\n");

    for (Path file : List.of(dir.resolve("missing.properties"), naming)) {
      int code =
          cli.run(
              "replay",
              "copy",
              "--from",
              "orders",
              "--to",
              "copy",
              "--bootstrap-server",
              "127.0.0.1:1",
              "--kafka-config",
              file.toString());
      assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    }
    assertThat(cli.err())
        .contains("No Kafka client config file " + dir.resolve("missing.properties"))
        .contains("names bootstrap.servers: name the cluster with --bootstrap-server instead");
  }

  @Test
  void warnsOfDeadLettersOlderThanTheDeduplicationWindow(TestKafka kafka) {
    String orders = kafka.createTopic("order.events", 1);
    String dlq = kafka.createTopic("order-app.dlq", 1);
    try (KafkaProducer<String, String> producer = stringProducer(kafka)) {
      long eightDaysAgo = System.currentTimeMillis() - Duration.ofDays(8).toMillis();
      ProducerRecord<String, String> letter =
          new ProducerRecord<>(dlq, null, eightDaysAgo, "order-1", "poison-1");
      letter.headers().add("__streams.errors.topic", orders.getBytes(StandardCharsets.UTF_8));
      producer.send(letter);
    }

    int code =
        cli.run("replay", "dlq", dlq, "--dry-run", "--bootstrap-server", kafka.bootstrapServers());

    assertThat(code).isZero();
    assertThat(cli.out())
        .contains("Would re-drive 1 dead letter(s)")
        .contains(
            "Warning: 1 of them are older than 7 days, the deduplication window of Tideway's"
                + " consumers by default");
  }

  @Test
  void refusesAnUnknownDeadLetterTopicWithOneLine(TestKafka kafka) {
    String missing = kafka.topicName("missing.dlq");

    int code =
        cli.run(
            "replay", "dlq", missing, "--dry-run", "--bootstrap-server", kafka.bootstrapServers());

    assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    assertThat(cli.err())
        .isEqualTo("tideway replay dlq: Unknown dead-letter topic: " + missing + "\n");
  }

  private static KafkaProducer<String, String> stringProducer(TestKafka kafka) {
    Properties props = kafka.producerProperties();
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    return new KafkaProducer<>(props);
  }

  private int copy(String bootstrap, String from, String to, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of("replay", "copy", "--from", from, "--to", to, "--bootstrap-server", bootstrap));
    args.addAll(List.of(more));
    return cli.run(args.toArray(String[]::new));
  }
}
