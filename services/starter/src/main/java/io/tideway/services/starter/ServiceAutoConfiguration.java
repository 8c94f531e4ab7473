package io.tideway.services.starter;

import io.micrometer.core.instrument.MeterRegistry;
import io.tideway.outbox.Outbox;
import io.tideway.outbox.OutboxMigration;
import io.tideway.outbox.TransactionalOutbox;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.topics.Topics;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.MDC;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.boot.health.application.ReadinessStateHealthIndicator;
import org.springframework.boot.health.autoconfigure.application.AvailabilityHealthContributorAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.ListenerContainerRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Wires a Spring Boot service to the platform; see the package documentation. Every bean here is
 * the platform's contract with the service, so none of them is meant to be replaced.
 */
@AutoConfiguration(before = AvailabilityHealthContributorAutoConfiguration.class)
@EnableConfigurationProperties(ServiceProperties.class)
@Import({ProblemResponses.class, ParentProcessWatch.class, CommittedEventsHeader.class})
@EnableScheduling // the forgetting of old processed event ids and idempotency keys
public class ServiceAutoConfiguration {

  /**
   * Serializes events against the registry, each with the traceparent of the work that appends it
   * (a request's, a consumed record's; see {@link TraceContextFilter}); closed with the context.
   */
  @Bean(destroyMethod = "close")
  Outbox outbox(ServiceProperties properties, MeterRegistry meters) {
    return Outbox.builder(
            Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, properties.registryUrl()))
        .meterRegistry(meters)
        .traceparentSource(() -> Optional.ofNullable(MDC.get(TraceContextFilter.TRACEPARENT)))
        .build();
  }

  /**
   * The published events' schemas, prepared with the registry as the service starts, the listeners
   * paused meanwhile.
   */
  @Bean
  OutboxSchemas outboxSchemas(
      Outbox outbox,
      ObjectProvider<PublishedEvents> published,
      ObjectProvider<ListenerContainerRegistry> listeners) {
    return new OutboxSchemas(
        outbox, published.orderedStream().toList(), listeners.getIfAvailable());
  }

  /**
   * Spring Boot's readiness probe, held back until the published events' schemas are prepared:
   * until then a command's append would wait for the registry inside its transaction, or fail. In
   * place of the one Spring Boot's probes make (probes are on unless switched off), unless the
   * service has its own.
   */
  @Bean(name = "readinessStateHealthIndicator")
  @ConditionalOnMissingBean(name = "readinessStateHealthIndicator")
  @ConditionalOnBooleanProperty(
      name = "management.endpoint.health.probes.enabled",
      matchIfMissing = true)
  ReadinessStateHealthIndicator readinessStateHealthIndicator(
      ApplicationAvailability availability, OutboxSchemas schemas) {
    return new ReadinessStateHealthIndicator(availability) {
      @Override
      protected AvailabilityState getState(ApplicationAvailability applicationAvailability) {
        return schemas.prepared()
            ? super.getState(applicationAvailability)
            : ReadinessState.REFUSING_TRAFFIC;
      }
    };
  }

  /** Each request's work in a trace, the caller's or its own. */
  @Bean
  TraceContextFilter traceContextFilter() {
    return new TraceContextFilter();
  }

  @Bean
  TransactionalOutbox transactionalOutbox(Outbox outbox, DataSource dataSource) {
    return new TransactionalOutbox(outbox, dataSource, CommittedEventsHeader::committed);
  }

  /**
   * The service's own migrations first, then the outbox's: a Flyway that finds tables but no
   * history of its own refuses to start, so the other order would stop the service's first start.
   */
  @Bean
  FlywayMigrationStrategy outboxAfterServiceMigrations() {
    return flyway -> {
      flyway.migrate();
      OutboxMigration.migrate(flyway.getConfiguration().getDataSource());
    };
  }

  /**
   * For a service that consumes (it names its consumer group): decoding, deduplication by record
   * id, retries, then a dead-letter topic.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(prefix = "spring.kafka.consumer", name = "group-id")
  static class Listeners {

    /** Static membership: see {@link ServiceProperties#instanceId()}. */
    @Bean
    DefaultKafkaConsumerFactoryCustomizer staticMembership(
        ServiceProperties properties,
        @Value("${spring.application.name}") String application,
        @Value("${server.port:8080}") int port,
        ApplicationContext context) {
      // Without a web server the port is no one's: two such instances on one host would take
      // the same id and fence each other.
      int listening = context instanceof WebServerApplicationContext ? port : 0;
      String instance =
          properties.instanceId() != null
              ? properties.instanceId()
              : defaultInstanceId(
                  application, hostName(), listening, ProcessHandle.current().pid());
      return factory ->
          factory.updateConfigs(Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instance));
    }

    /**
     * Down while a listener's consumer stopped without being told to, so that its partitions are
     * not consumed: fenced by another instance that took the same {@code group.instance.id}, say,
     * which spring-kafka never restarts.
     */
    @Bean
    HealthIndicator kafkaListenersHealthIndicator(KafkaListenerEndpointRegistry registry) {
      return () -> {
        List<String> stopped =
            registry.getListenerContainers().stream()
                .filter(container -> !container.isInExpectedState())
                .map(MessageListenerContainer::getListenerId)
                .sorted()
                .toList();
        return stopped.isEmpty()
            ? Health.up().build()
            : Health.down().withDetail("stopped", stopped).build();
      };
    }

    /** What the service's listeners have applied. */
    @Bean
    ProcessedEvents processedEvents(DataSource dataSource) {
      return new ProcessedEvents(JdbcClient.create(dataSource));
    }

    /** Decodes what the service's listeners consume. */
    @Bean(destroyMethod = "close")
    InboundEvents inboundEvents(
        ServiceProperties properties,
        MeterRegistry meters,
        PlatformTransactionManager transactions) {
      return new InboundEvents(
          properties.registryUrl(), meters, new TransactionTemplate(transactions));
    }

    /** The listener of a service's saga commands, when it takes part in sagas. */
    @Bean
    @ConditionalOnBean(SagaParticipant.class)
    SagaCommandsListener sagaCommandsListener(
        SagaParticipant participant, InboundEvents inbound, ServiceProperties properties) {
      String topic =
          properties.commandsTopic() != null
              ? properties.commandsTopic()
              : participant.commands().name();
      return new SagaCommandsListener(participant, inbound, topic);
    }

    /** The dead-letter topic of the service's listeners, created when the service starts. */
    @Bean
    NewTopic deadLetterTopic(
        ServiceProperties properties, @Value("${spring.application.name}") String application) {
      return TopicBuilder.name(deadLetterTopicName(properties, application))
          .partitions(Topics.DEFAULT_PARTITIONS)
          .build();
    }

    /** The service's dead letters, whose producer closes with the context. */
    @Bean
    DeadLetters deadLetters(
        ServiceProperties properties,
        KafkaProperties kafka,
        @Value("${spring.application.name}") String application) {
      return new DeadLetters(
          kafka.buildProducerProperties(), deadLetterTopicName(properties, application));
    }

    /**
     * Retries a failed record with a doubling backoff, then sends it to the dead-letter topic and
     * goes on with the next. A record that cannot be decoded, or that the domain refuses, goes
     * there at once: retrying cannot fix it. One that failed on an outage of the database or the
     * registry is retried until the outage ends ({@link ListenerFailures}).
     */
    @Bean
    CommonErrorHandler deadLetteringErrorHandler(
        ServiceProperties properties, DeadLetters deadLetters) {
      ExponentialBackOff backOff =
          new ExponentialBackOff(properties.listenerBackoff().toMillis(), 2);
      backOff.setMaxAttempts(properties.listenerRetries());
      DefaultErrorHandler handler = new DefaultErrorHandler(deadLetters, backOff);
      handler.addNotRetryableExceptions(UnprocessableRecordException.class);
      handler.setBackOffFunction(
          (record, failure) -> ListenerFailures.retries(failure, properties.listenerBackoff()));
      return handler;
    }
  }

  /**
   * The name an instance takes in its consumer group unless told: unique among the instances of a
   * host, and the same across restarts where a restart keeps it (a container's host name and
   * process id, a fixed HTTP port), so that it takes its partitions back at once.
   *
   * @param port the port of its web server, or 0 for none or a port chosen at random
   */
  private static String defaultInstanceId(String application, String host, int port, long pid) {
    String id = application + "-" + host + "-" + (port > 0 ? "port" + port : "pid" + pid);
    // What Kafka accepts in a group instance id.
    return id.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  private static String hostName() {
    String fromEnvironment = System.getenv("HOSTNAME");
    if (fromEnvironment != null && !fromEnvironment.isBlank()) {
      return fromEnvironment;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  private static String deadLetterTopicName(ServiceProperties properties, String application) {
    return properties.deadLetterTopic() != null
        ? properties.deadLetterTopic()
        : application + ".dlq";
  }
}
