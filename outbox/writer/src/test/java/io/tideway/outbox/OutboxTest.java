package io.tideway.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideway.contracts.customer.CustomerAddressChanged;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.schemas.client.MockSchemaRegistry;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class OutboxTest {

  @Test
  void shouldRequireTheSchemaRegistryUrl() {
    assertThatThrownBy(() -> Outbox.builder(Map.of("auto.register.schemas", "false")).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("schema.registry.url");
  }

  @Test
  void shouldFailOnAnInvalidSerdeSetting() {
    assertThatThrownBy(
            () ->
                Outbox.builder(
                        Map.of(
                            "schema.registry.url", "mock://outbox-test",
                            "value.subject.name.strategy", "no.such.Strategy"))
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("value.subject.name.strategy");
  }

  @Test
  void shouldFailOnANonPositivePayloadLimit() {
    Outbox.Builder builder = Outbox.builder(Map.of("schema.registry.url", "mock://outbox-test"));

    assertThatThrownBy(() -> builder.maxPayloadBytes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxPayloadBytes must be positive, not 0");
  }

  @Test
  void shouldKeepTheDefaultPayloadLimitBelowTheBrokersMessageLimit() {
    int brokerDefaultMessageMaxBytes = 1_048_588;

    assertThat(Outbox.DEFAULT_MAX_PAYLOAD_BYTES)
        .isEqualTo(1_000_000)
        .isLessThan(brokerDefaultMessageMaxBytes - 2 * 1024);
  }

  @Test
  void shouldRegisterTheSchemasItPreparesUnderTheSubjectsAnAppendUses() {
    String scope = "outbox-prepare-" + UUID.randomUUID();
    try (Outbox outbox = Outbox.builder(Map.of("schema.registry.url", "mock://" + scope)).build()) {
      outbox.prepare(
          "customer",
          List.of(CustomerCreated.getClassSchema(), CustomerAddressChanged.getClassSchema()));
    } finally {
      assertThat(MockSchemaRegistry.scope(scope).subjects())
          .containsExactlyInAnyOrder(
              "customer.events-" + CustomerCreated.getClassSchema().getFullName(),
              "customer.events-" + CustomerAddressChanged.getClassSchema().getFullName());
      MockSchemaRegistry.drop(scope);
    }
  }

  @Test
  void shouldNameTheEventsItCannotPrepare() {
    try (Outbox outbox =
        Outbox.builder(
                Map.of(
                    "schema.registry.url",
                    "mock://outbox-unprepared-" + UUID.randomUUID(),
                    "auto.register.schemas",
                    "false"))
            .build()) {
      assertThatThrownBy(
              () -> outbox.prepare("customer", List.of(CustomerCreated.getClassSchema())))
          .isInstanceOf(OutboxException.class)
          .hasMessageStartingWith(
              "Cannot prepare the events io.tideway.contracts.customer.CustomerCreated of"
                  + " aggregate type customer: The schema")
          .hasMessageContaining("is not registered");
      assertThatThrownBy(() -> outbox.prepare("no spaces", List.of()))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  /** spring-jdbc is optional: a plain JDBC service must be able to load everything else. */
  @Test
  void shouldKeepSpringOutOfThePlainJdbcPath() throws IOException, URISyntaxException {
    Path classes =
        Path.of(Outbox.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .resolve("io/tideway/outbox");
    List<Path> plain;
    try (Stream<Path> files = Files.list(classes)) {
      plain =
          files
              .filter(f -> f.toString().endsWith(".class"))
              .filter(f -> !f.getFileName().toString().startsWith("TransactionalOutbox"))
              .toList();
    }

    assertThat(plain)
        .extracting(f -> f.getFileName().toString())
        .contains("Outbox.class", "OutboxEvent.class", "OutboxMigration.class");
    for (Path file : plain) {
      // Class names a class file refers to are in its constant pool, in internal form.
      String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
      assertThat(content).as(file.getFileName().toString()).doesNotContain("org/springframework");
    }
  }
}
