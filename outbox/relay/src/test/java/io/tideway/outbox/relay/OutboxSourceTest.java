package io.tideway.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutboxSourceTest {

  @Test
  void takesTheSslParametersOfItsUrlToTheDriverAndTheConnector() {
    OutboxSource source =
        OutboxSource.fromJdbcUrl(
            "customer",
            "jdbc:postgresql://db:6432/customer?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem",
            "relay",
            "secret");

    assertThat(source.ssl())
        .isEqualTo(Map.of("sslmode", "verify-full", "sslrootcert", "/etc/ca.pem"));
    assertThat(source.jdbcUrl())
        .isEqualTo(
            "jdbc:postgresql://db:6432/customer?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem");
    assertThat(ConnectorConfig.engine(RelaySettings.of("kafka:9092", List.of(source)), source))
        .containsEntry("database.sslmode", "verify-full")
        .containsEntry("database.sslrootcert", "/etc/ca.pem");
  }

  @Test
  void connectorSettingsReplaceTheRelaysButForThoseTheOutboxContractRestsOn() {
    OutboxSource source =
        OutboxSource.fromJdbcUrl("customer", "jdbc:postgresql://db/customer", "relay", "secret");
    RelaySettings settings = RelaySettings.of("kafka:9092", List.of(source));

    assertThat(
            ConnectorConfig.engine(
                settings.withConnectorOverrides(
                    Map.of("slot.failover", "true", "heartbeat.interval.ms", "5000")),
                source))
        .containsEntry("slot.failover", "true")
        .containsEntry("heartbeat.interval.ms", "5000");
    assertThatThrownBy(
            () ->
                settings.withConnectorOverrides(
                    Map.of(
                        "topic.prefix", "customer",
                        "transforms", "route",
                        "table.include.list", "public.orders",
                        "value.converter", "x",
                        "skipped.operations", "c",
                        "slot.drop.on.stop", "true",
                        "max.batch.size", "100")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "The relay sets skipped.operations, slot.drop.on.stop, table.include.list,"
                + " topic.prefix, transforms, value.converter itself");
  }

  @Test
  void refusesAParameterItWouldIgnore() {
    assertThatThrownBy(
            () ->
                OutboxSource.fromJdbcUrl(
                    "customer", "jdbc:postgresql://db/customer?currentSchema=orders", "u", "p"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "Outbox source customer: connection parameter 'currentSchema' is not one the relay"
                + " takes");
  }
}
