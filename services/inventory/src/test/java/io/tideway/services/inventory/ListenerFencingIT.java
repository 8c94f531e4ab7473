package io.tideway.services.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.services.starter.ServiceUnderTest;
import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TestService;
import io.tideway.testkit.TidewayTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * A service whose listener another consumer fenced, by joining its group under the same {@code
 * group.instance.id}: spring-kafka stops that listener for good, and the service's health says so.
 */
@TidewayTest
class ListenerFencingIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aListenerFencedByAnotherInstanceWithItsIdTurnsTheServiceUnhealthy(
      TestKafka kafka, TestDatabase db) throws Exception {
    // A name of its own, so that its commands' group is too.
    String application = "inventory-fencing-" + UUID.randomUUID().toString().substring(0, 8);
    String group = application + "-commands";
    String commands = kafka.createTopic("inventory.commands", 1);
    try (ServiceUnderTest running =
        ServiceUnderTest.start(
            "inventory",
            kafka,
            db,
            Map.of(
                "SPRING_APPLICATION_NAME",
                application,
                "TIDEWAY_SERVICE_COMMANDS_TOPIC",
                commands))) {
      TestService service = running.service();
      MemberDescription member =
          await()
              .atMost(Duration.ofSeconds(60))
              .ignoreExceptions()
              .until(() -> members(kafka, group), members -> !members.isEmpty())
              .iterator()
              .next();
      String instance = member.groupInstanceId().orElseThrow();
      assertThat(instance).startsWith(application + "-").contains("-port");
      assertThat(service.get("/actuator/health").statusCode()).isEqualTo(200);

      Properties props = kafka.consumerProperties("unused");
      props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instance);
      try (KafkaConsumer<byte[], byte[]> impostor =
          new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        impostor.subscribe(List.of(commands));

        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(
                () -> {
                  impostor.poll(Duration.ofMillis(200));
                  HttpResponse<String> health = service.get("/actuator/health");
                  assertThat(health.statusCode()).isEqualTo(503);
                  assertThat(
                          JSON.readTree(health.body())
                              .at("/components/kafkaListeners/status")
                              .asText())
                      .isEqualTo("DOWN");
                });
      }
    }
  }

  private static Collection<MemberDescription> members(TestKafka kafka, String group)
      throws Exception {
    return kafka
        .admin()
        .describeConsumerGroups(List.of(group))
        .describedGroups()
        .get(group)
        .get()
        .members()
        .stream()
        .filter(m -> !m.assignment().topicPartitions().isEmpty())
        .toList();
  }
}
