package io.tideway.deploy.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tideway.contracts.common.Address;
import io.tideway.contracts.customer.CustomerAddressChanged;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.deploy.embedded.EmbeddedKafka;
import io.tideway.deploy.embedded.LoopbackPorts;
import io.tideway.outbox.Outbox;
import io.tideway.outbox.OutboxEvent;
import io.tideway.outbox.OutboxMigration;
import io.tideway.outbox.relay.OutboxRelay;
import io.tideway.outbox.relay.OutboxSource;
import io.tideway.outbox.relay.RelaySettings;
import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The connector configuration of this folder on a real Kafka Connect worker (standalone, Debezium
 * and Tideway's transformation on its plugin path) against the same database as the embedded relay:
 * both write the same records, byte for byte.
 */
@TidewayTest
class ConnectEqualityIT {

  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final String TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  @TempDir Path work;

  @Test
  void writesWhatTheEmbeddedRelayWrites(TestKafka kafka, TestDatabase database) throws Exception {
    OutboxMigration.migrate(dataSource(database));
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    List<String> aggregateTypes = List.of("customer_" + suffix, "account_" + suffix);
    OutboxSource source =
        new OutboxSource(
            "equality",
            database.host(),
            database.port(),
            database.name(),
            database.user(),
            database.password());
    String connectSlot = "connect_" + suffix;
    try (Connection c = database.connect();
        Statement s = c.createStatement()) {
      // Created before any row is written, like the embedded relay's, so both see every row.
      s.execute("SELECT pg_create_logical_replication_slot('" + connectSlot + "', 'pgoutput')");
    }

    try (EmbeddedKafka connectBroker =
            new EmbeddedKafka(
                work.resolve("kafka"),
                LoopbackPorts.pickFree(),
                LoopbackPorts.pickFree(),
                Map.of());
        OutboxRelay relay =
            OutboxRelay.start(
                RelaySettings.of(kafka.bootstrapServers(), List.of(source))
                    .withTopics(kafka.topicName("relay.offsets"), kafka.topicName("outbox.dlq"))
                    .withTopicLayout(3, (short) -1),
                new SimpleMeterRegistry())) {
      connectBroker.start(Duration.ofSeconds(60));
      await().atMost(WAIT).until(() -> relay.health().streaming());
      int rows = writeEvents(database, aggregateTypes);

      try (ConnectWorker worker =
          ConnectWorker.start(
              work, connectBroker.bootstrapServers(), connector(database, connectSlot))) {
        worker.awaitRunning(WAIT);

        Map<TopicPartition, List<RecordView>> embedded =
            read(kafka.bootstrapServers(), aggregateTypes, rows);
        Map<TopicPartition, List<RecordView>> connect =
            read(connectBroker.bootstrapServers(), aggregateTypes, rows);

        assertThat(embedded.values().stream().mapToInt(List::size).sum()).isEqualTo(rows);
        assertThat(connect.keySet()).isEqualTo(embedded.keySet());
        embedded.forEach(
            (partition, records) ->
                assertThat(connect.get(partition)).as(partition.toString()).isEqualTo(records));
        System.out.printf(
            "Compared %d records on %d partitions of %s: equal%n",
            rows, embedded.size(), aggregateTypes);
      }
    }
  }

  /** The JSON's configuration with this test's database, slot and a fresh topic prefix. */
  private static Map<String, Object> connector(TestDatabase database, String slot)
      throws Exception {
    Map<String, String> config = new LinkedHashMap<>(ConnectorFiles.jsonConfig());
    config.put("database.hostname", database.host());
    config.put("database.port", Integer.toString(database.port()));
    config.put("database.dbname", database.name());
    config.put("database.user", database.user());
    config.put("database.password", database.password());
    config.put("slot.name", slot);
    config.put("topic.prefix", "tideway.equality");
    Map<String, Object> connector = new LinkedHashMap<>();
    connector.put("name", ConnectorFiles.jsonName());
    connector.put("config", config);
    return connector;
  }

  /** Events of two aggregate types, some traced, in transactions of one and of several. */
  private static int writeEvents(TestDatabase database, List<String> aggregateTypes)
      throws Exception {
    int rows = 0;
    try (Outbox outbox =
            Outbox.builder(Map.of("schema.registry.url", "mock://equality-" + UUID.randomUUID()))
                .build();
        Connection c = database.connect()) {
      c.setAutoCommit(false);
      for (int i = 0; i < 30; i++) {
        UUID customer = UUID.randomUUID();
        String aggregateType = aggregateTypes.get(i % aggregateTypes.size());
        OutboxEvent created =
            OutboxEvent.of(aggregateType, customer.toString(), created(customer, i));
        if (i % 3 == 0) {
          created = created.withTraceparent(TRACE);
        }
        if (i % 2 == 0) {
          outbox.append(c, created);
          rows++;
        } else {
          outbox.appendAll(
              c,
              List.of(
                  created, OutboxEvent.of(aggregateType, customer.toString(), changed(customer))));
          rows += 2;
        }
        c.commit();
      }
    }
    return rows;
  }

  private static Map<TopicPartition, List<RecordView>> read(
      String bootstrap, List<String> aggregateTypes, int expected) {
    Map<String, Object> props = new LinkedHashMap<>();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "equality-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    Map<TopicPartition, List<RecordView>> records =
        new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(aggregateTypes.stream().map(type -> type + ".events").toList());
      int[] count = {0};
      await()
          .atMost(WAIT)
          .until(
              () -> {
                for (ConsumerRecord<byte[], byte[]> record :
                    consumer.poll(Duration.ofMillis(200))) {
                  records
                      .computeIfAbsent(
                          new TopicPartition(record.topic(), record.partition()),
                          key -> new ArrayList<>())
                      .add(RecordView.of(record));
                  count[0]++;
                }
                return count[0] >= expected;
              });
    }
    return records;
  }

  /** What a consumer can tell of a record: all of it but its offset. */
  record RecordView(String key, String value, List<String> headers, long timestamp) {
    static RecordView of(ConsumerRecord<byte[], byte[]> record) {
      HexFormat hex = HexFormat.of();
      List<String> headers = new ArrayList<>();
      for (Header header : record.headers()) {
        headers.add(
            header.key() + "=" + (header.value() == null ? "null" : hex.formatHex(header.value())));
      }
      return new RecordView(
          record.key() == null ? null : hex.formatHex(record.key()),
          record.value() == null ? null : hex.formatHex(record.value()),
          headers,
          record.timestamp());
    }
  }

  private static CustomerCreated created(UUID customer, int i) {
    return CustomerCreated.newBuilder()
        .setCustomerId(customer)
        .setName("Customer " + i)
        .setEmail("c" + i + "@example.org")
        .setCreditLimit(new BigDecimal("1000.00").add(BigDecimal.valueOf(i)))
        .setAddress(address())
        .setCreatedAt(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i))
        .build();
  }

  private static CustomerAddressChanged changed(UUID customer) {
    return CustomerAddressChanged.newBuilder()
        .setCustomerId(customer)
        .setCustomerVersion(2)
        .setAddress(address())
        .setChangedAt(Instant.parse("2026-01-02T00:00:00Z"))
        .build();
  }

  private static Address address() {
    return Address.newBuilder()
        .setStreet("1 Harbour Road")
        .setCity("Tideway")
        .setPostalCode("TW1 1AA")
        .setCountry("GB")
        .build();
  }

  private static PGSimpleDataSource dataSource(TestDatabase database) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(database.jdbcUrl());
    dataSource.setUser(database.user());
    dataSource.setPassword(database.password());
    return dataSource;
  }

  /** A Kafka Connect worker in standalone mode, in a JVM of its own. */
  static final class ConnectWorker implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path output;
    private final String restUrl;
    private final String connector;

    private ConnectWorker(Process process, Path output, String restUrl, String connector) {
      this.process = process;
      this.output = output;
      this.restUrl = restUrl;
      this.connector = connector;
    }

    static ConnectWorker start(Path work, String bootstrap, Map<String, Object> connector)
        throws Exception {
      int restPort = LoopbackPorts.pickFree();
      Path worker = work.resolve("worker.properties");
      Files.writeString(
          worker,
          String.join(
              "\n",
              "bootstrap.servers=" + bootstrap,
              "key.converter=org.apache.kafka.connect.storage.StringConverter",
              "value.converter=org.apache.kafka.connect.converters.ByteArrayConverter",
              "offset.storage.file.filename=" + work.resolve("connect.offsets"),
              "offset.flush.interval.ms=1000",
              "plugin.path=" + System.getProperty("connect.plugin.path"),
              "listeners=http://127.0.0.1:" + restPort,
              ""));
      Path connectorFile = work.resolve("connector.json");
      Files.writeString(connectorFile, JSON.writeValueAsString(connector));
      String classpath =
          Files.readString(Path.of(System.getProperty("connect.worker.classpath"))).strip();
      Path output = work.resolve("connect.out");
      Process process =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx512m",
                  "-cp",
                  classpath,
                  "org.apache.kafka.connect.cli.ConnectStandalone",
                  worker.toString(),
                  connectorFile.toString())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      return new ConnectWorker(
          process, output, "http://127.0.0.1:" + restPort, (String) connector.get("name"));
    }

    /** Waits until the connector and its task run; fails with the worker's output if not. */
    void awaitRunning(Duration timeout) throws Exception {
      HttpClient client = HttpClient.newHttpClient();
      URI status = URI.create(restUrl + "/connectors/" + connector + "/status");
      try {
        await()
            .atMost(timeout)
            .pollInterval(Duration.ofMillis(500))
            .ignoreExceptions()
            .until(
                () -> {
                  if (!process.isAlive()) {
                    throw new AssertionError("the worker exited with " + process.exitValue());
                  }
                  String body =
                      client
                          .send(HttpRequest.newBuilder(status).build(), BodyHandlers.ofString())
                          .body();
                  var tree = JSON.readTree(body);
                  return "RUNNING".equals(tree.path("connector").path("state").asText())
                      && "RUNNING".equals(tree.path("tasks").path(0).path("state").asText());
                });
      } catch (Throwable e) {
        throw new AssertionError("Kafka Connect did not run the connector:\n" + tail(), e);
      }
    }

    private String tail() throws Exception {
      List<String> lines = Files.readAllLines(output);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
    }

    @Override
    public void close() throws Exception {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }
}
