package io.tideway.loadtest.modulith;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.modulith.events.EventExternalizationConfiguration;

/**
 * How {@link CustomerRegistered} leaves for Kafka: Spring Modulith's defaults (events annotated
 * {@code @Externalized}, routed by the annotation) plus the headers Tideway's events carry, and the
 * topic, created at start-up if missing.
 */
@Configuration(proxyBeanMethods = false)
class EventExternalization {

  /**
   * The record header with the event's id. Spring Messaging reserves {@code id} for a message id of
   * its own and Spring Kafka never maps it to a record header, so the event id goes in this header
   * and, as {@code id}, in the JSON value.
   */
  static final String EVENT_ID_HEADER = "eventId";

  /** The record header with the time the event occurred, in epoch milliseconds, as text. */
  static final String OCCURRED_AT_HEADER = "occurredAt";

  private static final String SERIALIZE =
      "spring.modulith.events.externalization.serialize-externalization";

  /**
   * Replaces the auto-configured default only to add headers; as that default does, it honours
   * {@value #SERIALIZE}.
   */
  @Bean
  EventExternalizationConfiguration eventExternalizationConfiguration(Environment environment) {
    return EventExternalizationConfiguration.defaults(
            List.of(ModulithPeerApplication.class.getPackageName()))
        .headers(
            CustomerRegistered.class,
            event ->
                Map.of(
                    EVENT_ID_HEADER,
                    utf8(event.id().toString()),
                    OCCURRED_AT_HEADER,
                    utf8(Long.toString(event.occurredAt().toEpochMilli()))))
        .serializeExternalization(environment.getProperty(SERIALIZE, Boolean.class, false))
        .build();
  }

  /** Three partitions, the broker's default replication. */
  @Bean
  NewTopic customerEventsTopic() {
    return TopicBuilder.name(CustomerRegistered.TOPIC).partitions(3).build();
  }

  /** Bytes pass Spring Kafka's header mapper as they are, without a JSON type header. */
  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
