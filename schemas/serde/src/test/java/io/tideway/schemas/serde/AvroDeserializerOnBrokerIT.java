package io.tideway.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.tideway.schemas.client.MockSchemaRegistry;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a consumer on a real broker reports when a record is not in the wire format. */
@TidewayTest
class AvroDeserializerOnBrokerIT {

  private static final String SCOPE = "on-broker";
  private static final Schema GREETING =
      new Schema.Parser()
          .parse(
              "{\"type\":\"record\",\"name\":\"Greeting\",\"fields\":"
                  + "[{\"name\":\"text\",\"type\":\"string\"}]}");

  @AfterEach
  void dropRegistry() {
    MockSchemaRegistry.drop(SCOPE);
  }

  @Test
  void shouldNameTopicPartitionAndOffsetOfARecordWithAnotherMagicByte(TestKafka kafka)
      throws Exception {
    // given a good record at offset 0 and a record with magic byte 7 at offset 1 of partition 0
    String topic = kafka.createTopic("greetings", 1);
    Map<String, Object> serdeConfig = Map.of("schema.registry.url", "mock://" + SCOPE);
    try (var raw =
        new KafkaProducer<>(
            kafka.producerProperties(), new StringSerializer(), new ByteArraySerializer())) {
      AvroSerializer<GenericRecord> serializer = new AvroSerializer<>();
      serializer.configure(serdeConfig, false);
      GenericRecord hello = new GenericData.Record(GREETING);
      hello.put("text", "hello");
      raw.send(new ProducerRecord<>(topic, "k", serializer.serialize(topic, hello))).get();
      raw.send(new ProducerRecord<>(topic, "k", new byte[] {7, 0, 0, 0, 1, 2})).get();
    }

    // when a consumer reads them
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>();
    deserializer.configure(serdeConfig, false);
    try (var consumer =
        new KafkaConsumer<>(
            kafka.consumerProperties("reader"), new StringDeserializer(), deserializer)) {
      consumer.subscribe(List.of(topic));
      List<Object> first = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> first.add(r.value()));
                return !first.isEmpty();
              });
      assertThat(first).hasSize(1);
      RecordDeserializationException failure =
          catchThrowableOfType(
              RecordDeserializationException.class, () -> consumer.poll(Duration.ofSeconds(5)));

      // then the error names the topic, the partition, the offset and the byte found
      assertThat(failure.topicPartition().topic()).isEqualTo(topic);
      assertThat(failure.topicPartition().partition()).isZero();
      assertThat(failure.offset()).isEqualTo(1);
      assertThat(failure.getMessage()).contains(topic).contains("offset 1");
      assertThat(failure.getCause().getMessage()).contains(topic).contains("0x7");
    }
  }
}
