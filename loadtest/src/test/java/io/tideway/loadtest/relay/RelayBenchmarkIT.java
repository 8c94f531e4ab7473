package io.tideway.loadtest.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A short run end to end on the test kit's broker and PostgreSQL; no figure is judged here. */
@TidewayTest
class RelayBenchmarkIT {

  @Test
  void drainsWithBothEnginesMeasuresAPhaseAndLeavesNothingBehind(
      TestKafka kafka, TestDatabase database) throws Exception {
    List<String> progress = new ArrayList<>();
    RelayBenchmark.Settings settings =
        new RelayBenchmark.Settings(
            kafka.bootstrapServers(),
            database.jdbcUrl(),
            database.superuser(),
            database.superuserPassword(),
            "mock://relay-benchmark-" + UUID.randomUUID(),
            2_000,
            true,
            List.of(200),
            2,
            2,
            Duration.ofSeconds(1),
            Duration.ofSeconds(2));

    RelayBenchmark.Report report = new RelayBenchmark(settings, progress::add).run();

    assertThat(report.baseline().events()).isEqualTo(2_000);
    assertThat(report.relay().events()).isEqualTo(2_000);
    assertThat(report.ratio()).isPositive();
    RelayBenchmark.Phase phase = report.phases().get(0);
    assertThat(phase.events()).isPositive().isEven();
    assertThat(phase.p50Ms()).isPositive().isLessThanOrEqualTo(phase.p99Ms());
    assertThat(RelayTargets.lines(report)).singleElement().asString().startsWith("relay / bare");
    assertThat(progress).anyMatch(line -> line.startsWith("bare Debezium engine: 2,000 events"));
    try (Connection c =
            DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
        Statement s = c.createStatement();
        ResultSet left =
            s.executeQuery(
                "SELECT count(*) FROM pg_database WHERE datname LIKE 'loadtest_relay_%'")) {
      left.next();
      assertThat(left.getInt(1)).as("databases left behind").isZero();
    }
  }
}
