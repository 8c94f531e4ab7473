package io.tideway.services.starter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;

class StaticMembershipTest {

  private final ServiceProperties defaults =
      new ServiceProperties("http://127.0.0.1:8081", null, null, null, null, null, null);

  @Test
  void anInstanceWithoutAWebServerIsNamedForItsProcessNotAPortItDoesNotListenOn() {
    // given: a service with no web server, where server.port keeps its default
    try (GenericApplicationContext context = new GenericApplicationContext()) {

      // when
      String instance = instanceId(defaults, 8080, context);

      // then: two such instances on one host take different ids
      assertThat(instance)
          .startsWith("worker-")
          .endsWith("-pid" + ProcessHandle.current().pid())
          .doesNotContain("-port");
    }
  }

  @Test
  void anInstanceToldItsIdTakesIt() {
    ServiceProperties told =
        new ServiceProperties("http://127.0.0.1:8081", null, null, null, null, "worker-7", null);
    try (GenericApplicationContext context = new GenericApplicationContext()) {
      assertThat(instanceId(told, 8080, context)).isEqualTo("worker-7");
    }
  }

  private static String instanceId(
      ServiceProperties properties, int port, GenericApplicationContext context) {
    DefaultKafkaConsumerFactory<Object, Object> factory =
        new DefaultKafkaConsumerFactory<>(Map.of());
    new ServiceAutoConfiguration.Listeners()
        .staticMembership(properties, "worker", port, context)
        .customize(factory);
    return (String)
        factory.getConfigurationProperties().get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
  }
}
