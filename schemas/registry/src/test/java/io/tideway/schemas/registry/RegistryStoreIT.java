package io.tideway.schemas.registry;

import static io.tideway.schemas.registry.RunningRegistry.field;
import static io.tideway.schemas.registry.RunningRegistry.optionalField;
import static io.tideway.schemas.registry.RunningRegistry.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

@TidewayTest
class RegistryStoreIT {

  private static final String USER_V1 = record("User", field("id", "long"));
  private static final String USER_V2 = record("User", field("id", "long"), optionalField("name"));
  private static final String ORDER = record("Order", field("id", "string"));

  @Test
  void shouldCreateItsStoreTopicCompactedWithOnePartition(TestKafka kafka) throws Exception {
    // given
    String topic = kafka.topicName("_schemas");

    // when
    try (RunningRegistry registry = RunningRegistry.start(kafka, topic)) {

      // then
      TopicDescription description =
          kafka.admin().describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      assertThat(description.partitions()).hasSize(1);
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      Config config = kafka.admin().describeConfigs(List.of(resource)).all().get().get(resource);
      assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
      assertThat(config.get("min.insync.replicas").value()).isEqualTo("1");
      assertThat(registry.http.get("/subjects").body()).isEqualTo("[]");
    } finally {
      kafka.admin().deleteTopics(List.of(topic)).all().get();
    }
  }

  @Test
  void shouldRefuseAStoreTopicWithSeveralPartitions(TestKafka kafka) {
    assertRefusedAsStore(kafka, kafka.createTopic("_schemas", 2), "2 partitions");
  }

  @Test
  void shouldRefuseAStoreTopicThatDeletesRecordsByAge(TestKafka kafka) {
    for (String policy : List.of("delete", "compact,delete")) {
      // made by hand, or by a broker that creates the topics asked for
      String topic =
          kafka.createTopic(
              "_schemas-" + policy.replace(',', '-'), 1, Map.of("cleanup.policy", policy));
      assertRefusedAsStore(
          kafka, topic, "has cleanup.policy=" + policy + "; the registry needs compact alone");
    }
  }

  private static void assertRefusedAsStore(TestKafka kafka, String topic, String why) {
    SchemaRegistryServer server =
        new SchemaRegistryServer(
            SchemaRegistryServer.Settings.of(kafka.bootstrapServers())
                .withTopic(topic)
                .withPort(0));

    assertThatThrownBy(server::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(why);
    server.close();
  }

  @Test
  void shouldKeepItsContentInConfluentsRecordFormat(TestKafka kafka) throws Exception {
    // given
    String topic = RunningRegistry.storeTopic(kafka);
    String canonical;
    int id;
    try (RunningRegistry registry = RunningRegistry.start(kafka, topic)) {
      RegistryHttp http = registry.http;

      // when
      id = http.register("users-value", USER_V1);
      canonical = http.get("/schemas/ids/" + id).json().path("schema").asText();
      http.setLevel(null, "FULL");
      http.setLevel("users-value", "NONE");
      http.delete("/config/users-value");
      http.delete("/subjects/users-value/versions/1");
      http.delete("/subjects/users-value/versions/1?permanent=true");
    }

    // then
    String schemaKey =
        "{\"keytype\":\"SCHEMA\",\"subject\":\"users-value\",\"version\":1,\"magic\":1}";
    String value =
        RegistryHttp.JSON
            .createObjectNode()
            .put("subject", "users-value")
            .put("version", 1)
            .put("id", id)
            .put("schema", canonical)
            .put("deleted", false)
            .toString();
    String deletedValue = value.replace("\"deleted\":false", "\"deleted\":true");
    String subjectConfigKey = "{\"keytype\":\"CONFIG\",\"subject\":\"users-value\",\"magic\":0}";
    assertThat(readAll(kafka, topic))
        .containsExactly(
            List.of(schemaKey, value),
            // The key an earlier Tideway wrote the global level under goes first, for good.
            List.of("{\"keytype\":\"CONFIG\",\"subject\":null,\"magic\":0}", "null"),
            List.of("{\"keytype\":\"CONFIG\",\"magic\":0}", "{\"compatibilityLevel\":\"FULL\"}"),
            List.of(subjectConfigKey, "{\"compatibilityLevel\":\"NONE\"}"),
            List.of(subjectConfigKey, "null"),
            List.of(schemaKey, deletedValue),
            List.of(schemaKey, "null"),
            List.of("{\"keytype\":\"SCHEMA_ID\",\"id\":" + id + ",\"magic\":0}", deletedValue));
  }

  @Test
  void shouldFindEverythingAgainAfterARestart(TestKafka kafka) throws Exception {
    // given
    String topic = RunningRegistry.storeTopic(kafka);
    int userV1;
    int userV2;
    int order;
    try (RunningRegistry first = RunningRegistry.start(kafka, topic)) {
      RegistryHttp http = first.http;
      userV1 = http.register("users-value", USER_V1);
      userV2 = http.register("users-value", USER_V2);
      order = http.register("orders-value", ORDER);
      http.register("gone-value", record("Gone", field("x", "int")));
      http.setLevel(null, "FORWARD");
      http.setLevel("orders-value", "FULL_TRANSITIVE");
      http.delete("/subjects/users-value/versions/1");
      http.delete("/subjects/gone-value");
      http.delete("/subjects/gone-value?permanent=true");
    }

    // when
    try (RunningRegistry second = RunningRegistry.start(kafka, topic)) {
      RegistryHttp http = second.http;

      // then
      assertThat(http.get("/subjects").body()).isEqualTo("[\"orders-value\",\"users-value\"]");
      assertThat(http.get("/subjects/users-value/versions").body()).isEqualTo("[2]");
      assertThat(http.get("/subjects/users-value/versions?deleted=true").body()).isEqualTo("[1,2]");
      assertThat(http.get("/subjects/users-value/versions/latest").json().path("id").asInt())
          .isEqualTo(userV2);
      assertThat(http.get("/schemas/ids/" + userV1).status()).isEqualTo(200);
      assertThat(http.get("/schemas/ids/" + order).json().path("schema").asText())
          .contains("Order");
      assertThat(http.get("/config").body()).isEqualTo("{\"compatibilityLevel\":\"FORWARD\"}");
      assertThat(http.get("/config/orders-value").body())
          .isEqualTo("{\"compatibilityLevel\":\"FULL_TRANSITIVE\"}");
      assertThat(http.get("/subjects?deleted=true").body())
          .isEqualTo("[\"orders-value\",\"users-value\"]");

      // and new schemas get new ids, past every id handed out before, deleted ones included
      int next = http.register("new-value", record("New", field("y", "int")));
      assertThat(next).isGreaterThan(Math.max(Math.max(userV1, userV2), order) + 1);
      assertThat(http.register("users-value", USER_V2)).isEqualTo(userV2);
    }
  }

  @Test
  void shouldSkipRecordsItCannotApplyAndServeTheRest(TestKafka kafka) throws Exception {
    // given
    String topic = RunningRegistry.storeTopic(kafka);
    StoreRecords format = new StoreRecords();
    String user = canonical(USER_V1);
    String order = canonical(ORDER);
    byte[] garbage = {(byte) 0xff, 0x00, 0x13, 0x37};
    List<byte[][]> records =
        List.of(
            new byte[][] {
              format.schemaKey("users-value", 1),
              format.schemaValue("users-value", 1, 1, user, false)
            },
            new byte[][] {garbage, garbage},
            new byte[][] {format.schemaKey("users-value", 2), garbage},
            new byte[][] {"{\"keytype\":\"WHATEVER\",\"magic\":0}".getBytes(), "{}".getBytes()},
            // id 1 is bound to User: the same id for Order is impossible
            new byte[][] {
              format.schemaKey("orders-value", 1),
              format.schemaValue("orders-value", 1, 1, order, false)
            },
            new byte[][] {
              format.schemaKey("broken-value", 1),
              format.schemaValue("broken-value", 1, 2, "{\"type\":\"nonsense\"}", false)
            },
            new byte[][] {
              format.configKey("users-value"), "{\"compatibilityLevel\":\"SOMETIMES\"}".getBytes()
            },
            new byte[][] {format.configKey(null), "{\"compatibilityLevel\":\"NONE\"}".getBytes()});
    try (var producer =
        new KafkaProducer<>(
            kafka.producerProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
      for (byte[][] r : records) {
        producer.send(new ProducerRecord<>(topic, r[0], r[1])).get();
      }
    }
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    Logger readerLog = (Logger) LoggerFactory.getLogger(StoreReader.class);
    log.start();
    readerLog.addAppender(log);

    // when
    try (RunningRegistry registry = RunningRegistry.start(kafka, topic)) {
      RegistryHttp http = registry.http;

      // then
      assertThat(http.get("/subjects").body()).isEqualTo("[\"users-value\"]");
      assertThat(http.get("/schemas/ids/1").json().path("schema").asText()).isEqualTo(user);
      assertThat(http.get("/config").body()).isEqualTo("{\"compatibilityLevel\":\"NONE\"}");
      assertThat(http.get("/metrics").body())
          .contains("schema_registry_store_records_skipped_total 6.0");
      assertThat(log.list)
          .filteredOn(e -> e.getLoggerName().equals(StoreReader.class.getName()))
          .extracting(ILoggingEvent::getFormattedMessage)
          .hasSize(6)
          .anySatisfy(m -> assertThat(m).contains("offset 1 ").contains("not JSON"))
          .anySatisfy(m -> assertThat(m).contains("offset 4 ").contains("already bound"));

      // and it keeps working: the next id is past every one a record took, even for a schema it
      // could not serve (broken-value's 2), as data may have been written with it
      assertThat(http.register("orders-value", ORDER)).isEqualTo(3);
      assertThat(http.get("/schemas/ids/2").status()).isEqualTo(404);
    } finally {
      readerLog.detachAppender(log);
    }
  }

  /** Every record of the topic as [key, value] text, tombstones as "null". */
  private static List<List<String>> readAll(TestKafka kafka, String topic) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<List<String>> out = new ArrayList<>();
    try (var consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (consumer.position(partition) < end && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          out.add(List.of(text(r.key()), text(r.value())));
        }
      }
    }
    return out;
  }

  private static String text(byte[] bytes) {
    return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
  }

  private static String canonical(String schema) {
    return new org.apache.avro.Schema.Parser().parse(schema).toString();
  }
}
