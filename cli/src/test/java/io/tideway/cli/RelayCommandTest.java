package io.tideway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideway.outbox.relay.OutboxSource;
import io.tideway.outbox.relay.RelaySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RelayCommandTest {

  @TempDir Path dir;

  @Test
  void readsTheClusterAndEachSourceFromAConfigFile() throws Exception {
    Files.writeString(dir.resolve("order.secret"), "s3cret\n");
    Path config =
        Files.writeString(
            dir.resolve("relay.properties"),
            String.join(
                "\n",
                "bootstrap.servers=kafka-1:9092,kafka-2:9092",
                "sources=customer, order",
                "source.customer.jdbc.url=jdbc:postgresql://db:6432/customer?sslmode=verify-full"
                    + "&sslrootcert=%2Fetc%2Fca.pem",
                "source.customer.user=customer",
                "source.customer.password=plain",
                "source.order.jdbc.url=jdbc:postgresql://orders-db/order",
                "source.order.user=order_relay",
                "source.order.password.file=order.secret",
                "kafka.security.protocol=SASL_SSL",
                "kafka.sasl.mechanism = SCRAM-SHA-512",
                "debezium.slot.failover=true"));

    RelaySettings settings = RelayCommand.fromConfig(config);

    assertThat(settings.bootstrapServers()).isEqualTo("kafka-1:9092,kafka-2:9092");
    assertThat(settings.sources())
        .containsExactly(
            new OutboxSource(
                "customer",
                "db",
                6432,
                "customer",
                "customer",
                "plain",
                Map.of("sslmode", "verify-full", "sslrootcert", "/etc/ca.pem")),
            new OutboxSource("order", "orders-db", 5432, "order", "order_relay", "s3cret"));
    assertThat(settings.kafkaClientSettings())
        .isEqualTo(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512"));
    assertThat(settings.connectorOverrides()).isEqualTo(Map.of("slot.failover", "true"));
  }

  @Test
  void refusesTheClusterAmongTheClientSettings() throws Exception {
    Path config =
        oneSourceConfig("source.customer.password=plain", "kafka.bootstrap.servers=other:9092");

    assertThatThrownBy(() -> RelayCommand.fromConfig(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bootstrap.servers");
  }

  @Test
  void namesAPasswordFileThatCannotBeRead() throws Exception {
    Path config = oneSourceConfig("source.customer.password.file=missing.secret");

    assertThatThrownBy(() -> RelayCommand.fromConfig(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            config
                + ": source.customer.password.file names "
                + dir.resolve("missing.secret")
                + ", which cannot be read");
  }

  /** A config file of one source, {@code customer}, with these lines besides. */
  private Path oneSourceConfig(String... lines) throws Exception {
    List<String> all =
        new ArrayList<>(
            List.of(
                "bootstrap.servers=kafka:9092",
                "sources=customer",
                "source.customer.jdbc.url=jdbc:postgresql://db/customer",
                "source.customer.user=customer"));
    all.addAll(List.of(lines));
    return Files.writeString(dir.resolve("relay.properties"), String.join("\n", all));
  }

  @Test
  void namesTheMissingSetting() throws Exception {
    Path config =
        Files.writeString(
            dir.resolve("relay.properties"),
            "bootstrap.servers=kafka:9092\nsources=customer\nsource.customer.user=customer\n");

    assertThatThrownBy(() -> RelayCommand.fromConfig(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(config + " has no source.customer.jdbc.url");
  }

  @Test
  void rejectsAUrlThatIsNotPostgres() throws Exception {
    Path config =
        Files.writeString(
            dir.resolve("relay.properties"),
            String.join(
                "\n",
                "bootstrap.servers=kafka:9092",
                "sources=customer",
                "source.customer.jdbc.url=jdbc:mysql://db/customer",
                "source.customer.user=customer",
                "source.customer.password=x"));

    assertThatThrownBy(() -> RelayCommand.fromConfig(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'jdbc:mysql://db/customer' is not a PostgreSQL JDBC URL");
  }
}
