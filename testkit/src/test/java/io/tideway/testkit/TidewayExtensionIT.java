package io.tideway.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@TidewayTest
class TidewayExtensionIT {

  private static String brokerOfClass;

  @BeforeAll
  static void rememberBroker(TestKafka kafka) {
    brokerOfClass = kafka.bootstrapServers();
  }

  @Test
  void shouldRoundTripRecordsThroughTheBroker(TestKafka kafka) throws Exception {
    // given
    String topic = kafka.createTopic("greetings", 2);

    // when
    try (var producer =
        new KafkaProducer<>(
            kafka.producerProperties(), new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, "k1", "hello")).get();
      producer.send(new ProducerRecord<>(topic, "k2", "world")).get();
    }

    // then
    try (var consumer =
        new KafkaConsumer<>(
            kafka.consumerProperties("reader"),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      List<String> values = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                  values.add(r.value());
                }
                return values.size() >= 2;
              });
      assertThat(values).containsExactlyInAnyOrder("hello", "world");
    }
  }

  @Test
  void shouldGiveEachTestKafkaItsOwnTopicNames(TestKafka kafka) {
    TestKafka other = new TestKafka(kafka.broker());

    assertThat(kafka.topicName("orders"))
        .startsWith("orders.")
        .isNotEqualTo(other.topicName("orders"));
  }

  @Test
  void shouldShareOneBrokerAcrossTheTestsOfAClass(TestKafka kafka) {
    assertThat(kafka.bootstrapServers()).isEqualTo(brokerOfClass);
  }

  @Test
  void shouldDeleteItsTopicsWhenClosed(TestKafka kafka) throws Exception {
    // given
    TestKafka scoped = new TestKafka(kafka.broker());
    String topic = scoped.createTopic("short-lived", 1);
    assertThat(kafka.admin().listTopics().names().get()).contains(topic);

    // when
    scoped.close();

    // then (the broker may list a deleted topic for a moment)
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(kafka.admin().listTopics().names().get()).doesNotContain(topic));
  }

  @Test
  void shouldGiveEachTestADatabaseOfItsOwnWithLogicalDecoding(TestDatabase db) throws Exception {
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE note (id int primary key, text varchar(20))");
      s.execute("INSERT INTO note VALUES (1, 'kept')");
      try (ResultSet rs = s.executeQuery("SHOW wal_level")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("logical");
      }
      try (ResultSet rs = s.executeQuery("SELECT current_user, current_database()")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo(db.user());
        assertThat(rs.getString(2)).isEqualTo(db.name());
      }
    }
  }

  @Test
  void shouldAskEveryConnectionForItsPassword(TestDatabase db) throws Exception {
    assertThatThrownBy(() -> DriverManager.getConnection(db.jdbcUrl(), db.user(), "wrong"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("password");
    assertThatThrownBy(() -> DriverManager.getConnection(db.jdbcUrl(), db.superuser(), ""))
        .isInstanceOf(SQLException.class);
    try (Connection c =
        DriverManager.getConnection(db.jdbcUrl(), db.superuser(), db.superuserPassword())) {
      assertThat(c.isValid(5)).isTrue();
    }
  }

  @Test
  void shouldDropTheDatabaseAndUserWhenClosed(TestDatabase db) throws Exception {
    // given
    TestDatabase scoped = TestDatabase.create(db.server(), db.superuserPassword());
    try (Connection c = scoped.connect()) {
      assertThat(c.isValid(5)).isTrue();
    }

    // when
    scoped.close();

    // then
    assertThatThrownBy(scoped::connect).isInstanceOf(SQLException.class);
  }

  @Nested
  class NestedTests {
    @Test
    void shouldReachTheSameBrokerFromNestedClasses(TestKafka kafka) {
      assertThat(kafka.bootstrapServers()).isEqualTo(brokerOfClass);
    }
  }
}
