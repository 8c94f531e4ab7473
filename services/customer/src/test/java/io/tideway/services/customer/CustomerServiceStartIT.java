package io.tideway.services.customer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.contracts.customer.CustomerAddressChanged;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.contracts.customer.CustomerCreditRejected;
import io.tideway.contracts.customer.CustomerCreditReleased;
import io.tideway.contracts.customer.CustomerCreditReserved;
import io.tideway.contracts.saga.ReserveCredit;
import io.tideway.deploy.embedded.LoopbackPorts;
import io.tideway.schemas.client.CompatibilityLevel;
import io.tideway.schemas.client.HttpSchemaRegistryClient;
import io.tideway.schemas.registry.SchemaRegistryServer;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.schemas.serde.AvroSerializer;
import io.tideway.schemas.serde.TopicRecordNameStrategy;
import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TestService;
import io.tideway.testkit.TidewayTest;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The customer service starting before its schema registry answers, or accepts its schemas. */
@TidewayTest
class CustomerServiceStartIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COMMANDS_GROUP = "customer-service-commands";
  private static final String CUSTOMER =
      """
      {"name":"Ada","email":"ada@example.com","creditLimit":100.00,
       "address":{"street":"1 Main St","city":"Berlin","postalCode":"10115","country":"DE"}}
      """;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void isReadyOnlyOnceTheSchemasOfTheEventsItPublishesAreInTheRegistry(
      TestKafka kafka, TestDatabase db) throws Exception {
    int registryPort = LoopbackPorts.pickFree();
    int servicePort = LoopbackPorts.pickFree();
    SchemaRegistryServer registry =
        new SchemaRegistryServer(
            SchemaRegistryServer.Settings.of(kafka.bootstrapServers())
                .withTopic(kafka.topicName("_schemas"))
                .withPort(registryPort));
    AtomicBoolean ended = new AtomicBoolean();
    // Once the service is alive, with the registry still away: not ready; then the registry.
    CompletableFuture<Integer> readinessWithoutRegistry =
        CompletableFuture.supplyAsync(
            () -> {
              await()
                  .atMost(Duration.ofSeconds(90))
                  .ignoreExceptions()
                  .until(() -> status(servicePort, "/actuator/health/liveness") == 200);
              try {
                // Past the moment Spring Boot itself turns ready, once started.
                Thread.sleep(2_000);
                int readiness = status(servicePort, "/actuator/health/readiness");
                if (!ended.get()) {
                  registry.start();
                }
                return readiness;
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    try (TestService service =
        TestService.start(
            "customer", db, "http://127.0.0.1:" + registryPort, kafka, Map.of(), servicePort)) {
      assertThat(readinessWithoutRegistry.get()).isEqualTo(503);
      try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(registry.url())) {
        assertThat(client.subjects())
            .containsExactlyInAnyOrderElementsOf(
                Stream.of(
                        CustomerCreated.class,
                        CustomerAddressChanged.class,
                        CustomerCreditReserved.class,
                        CustomerCreditRejected.class,
                        CustomerCreditReleased.class)
                    .map(type -> "customer.events-" + type.getName())
                    .toList());
      }
    } finally {
      ended.set(true);
      registry.close();
    }
  }

  @Test
  void takesNoCommandBeforeTheRegistryAcceptsTheSchemasOfItsReplies(
      TestKafka kafka, TestDatabase db) throws Exception {
    String commands = kafka.createTopic("customer.commands", 3);
    String replySubject = "customer.events-" + CustomerCreditReserved.class.getName();
    int servicePort = LoopbackPorts.pickFree();
    try (SchemaRegistryServer registry =
            new SchemaRegistryServer(
                SchemaRegistryServer.Settings.of(kafka.bootstrapServers())
                    .withTopic(kafka.topicName("_schemas"))
                    .withPort(0));
        HttpSchemaRegistryClient client = startedClient(registry)) {
      // An earlier CustomerCreditReserved the service's own cannot read: refused as incompatible.
      client.register(
          replySubject,
          SchemaBuilder.record(CustomerCreditReserved.getClassSchema().getFullName())
              .fields()
              .requiredString("blocker")
              .endRecord());
      AtomicReference<UUID> customer = new AtomicReference<>();
      // Once the service is alive: a command for it, which it must leave alone; then the mend.
      CompletableFuture<String> whileRefused =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  await()
                      .atMost(Duration.ofSeconds(90))
                      .ignoreExceptions()
                      .until(() -> status(servicePort, "/actuator/health/liveness") == 200);
                  HttpResponse<String> created = post(servicePort, "/customers", CUSTOMER);
                  customer.set(UUID.fromString(JSON.readTree(created.body()).get("id").asText()));
                  sendReserveCredit(kafka, registry.url(), commands, customer.get());
                  await()
                      .atMost(Duration.ofSeconds(60))
                      .until(() -> assignedPartitions(kafka, commands) == 3);
                  Thread.sleep(3_000);
                  String seen =
                      "readiness "
                          + status(servicePort, "/actuator/health/readiness")
                          + ", held "
                          + CreditReservations.held(db, customer.get())
                          + ", "
                          + commandsMetrics(servicePort);
                  client.setCompatibility(replySubject, CompatibilityLevel.NONE);
                  return seen;
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      try (TestService service =
          TestService.start(
              "customer",
              db,
              registry.url(),
              kafka,
              Map.of(
                  "TIDEWAY_SERVICE_COMMANDS_TOPIC",
                  commands,
                  "TIDEWAY_SERVICE_LISTENER_BACKOFF",
                  "PT0.1S"),
              servicePort)) {
        // Its listener held the command's partition, and took nothing from it.
        assertThat(whileRefused.get()).isEqualTo("readiness 503, held 0, commands []");
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> CreditReservations.held(db, customer.get()).signum() > 0);
        assertThat(CreditReservations.held(db, customer.get())).isEqualByComparingTo("25.00");
        assertThat(commandsMetrics(servicePort))
            .isEqualTo(
                "commands [tideway_customer_commands_consumed_total{outcome=\"applied\","
                    + "type=\"ReserveCredit\"} 1.0]");
      }
    }
  }

  private static HttpSchemaRegistryClient startedClient(SchemaRegistryServer registry)
      throws Exception {
    registry.start();
    return new HttpSchemaRegistryClient(registry.url());
  }

  private static void sendReserveCredit(
      TestKafka kafka, String registryUrl, String topic, UUID customer) throws Exception {
    ReserveCredit command =
        ReserveCredit.newBuilder()
            .setSagaId(UUID.randomUUID())
            .setCommandId(UUID.randomUUID())
            .setIssuedAt(Instant.now())
            .setOrderId(UUID.randomUUID())
            .setCustomerId(customer)
            .setAmount(new BigDecimal("25.00"))
            .build();
    try (AvroSerializer<Object> avro = new AvroSerializer<>();
        KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(
                kafka.producerProperties(), new StringSerializer(), new ByteArraySerializer())) {
      avro.configure(
          Map.of(
              AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG,
              registryUrl,
              AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG,
              TopicRecordNameStrategy.class.getName()),
          false);
      ProducerRecord<String, byte[]> record =
          new ProducerRecord<>(topic, customer.toString(), avro.serialize(topic, command));
      record.headers().add("id", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
      producer.send(record).get();
    }
  }

  /** How many of the topic's partitions the service's commands listener holds. */
  private static long assignedPartitions(TestKafka kafka, String topic) throws Exception {
    return kafka
        .admin()
        .describeConsumerGroups(List.of(COMMANDS_GROUP))
        .all()
        .get()
        .get(COMMANDS_GROUP)
        .members()
        .stream()
        .flatMap(member -> member.assignment().topicPartitions().stream())
        .filter(partition -> partition.topic().equals(topic))
        .count();
  }

  /** The service's counts of commands consumed and failed, the series that are not zero. */
  private String commandsMetrics(int port) throws Exception {
    String page =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return "commands "
        + page.lines()
            .filter(
                line ->
                    line.startsWith("tideway_customer_commands_consumed_total")
                        || line.startsWith("tideway_customer_commands_failed_total"))
            .filter(line -> !line.endsWith(" 0.0"))
            .sorted()
            .toList();
  }

  private HttpResponse<String> post(int port, String path, String json) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return response;
  }

  private int status(int port, String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
