package io.tideway.loadtest.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.schemas.registry.SchemaRegistryServer;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short run end to end on the test kit's broker, with a registry of its own (the runtimes run in
 * processes of their own, which an in-memory registry would not reach); no figure is judged here.
 */
@TidewayTest
class QueryBenchmarkIT {

  @Test
  void looksUpLocalAndForwardedKeysAndLeavesNothingBehind(TestKafka kafka, @TempDir Path logs)
      throws Exception {
    List<String> progress = new ArrayList<>();
    int processors = Runtime.getRuntime().availableProcessors();
    QueryBenchmark.Report report;
    try (SchemaRegistryServer registry =
        new SchemaRegistryServer(
            SchemaRegistryServer.Settings.of(kafka.bootstrapServers())
                .withTopic(kafka.topicName("_schemas"))
                .withPort(0))) {
      registry.start();
      QueryBenchmark.Settings settings =
          new QueryBenchmark.Settings(
              kafka.bootstrapServers(),
              registry.url(),
              300,
              200,
              100,
              4,
              Duration.ofSeconds(1),
              Duration.ofSeconds(2),
              true,
              List.of("-Xmx256m", "-Xlog:gc:file=" + logs.resolve("gc-%p.log")));

      report = new QueryBenchmark(settings, progress::add).run();
    }

    assertThat(report.localKeys()).isPositive();
    assertThat(report.forwardedKeys()).isPositive();
    assertThat(report.localKeys() + report.forwardedKeys()).isEqualTo(300);
    for (var phase : List.of(report.local(), report.forwarded())) {
      assertThat(phase.recordsMeasured()).isPositive();
      assertThat(phase.recordsLost()).isZero();
      assertThat(phase.stoppedEarly()).isFalse();
    }
    assertThat(report.forwarded().latency().p50())
        .as("a forwarded lookup costs a second request")
        .isGreaterThan(0);
    // The server's own timer saw the local phase, its warm-up included, and nothing of the others.
    assertThat(report.localServer().lookups())
        .isGreaterThanOrEqualTo(report.local().recordsMeasured())
        .isLessThan(report.local().recordsMeasured() * 10);
    assertThat(report.localServer().withinTarget())
        .isPositive()
        .isLessThanOrEqualTo(report.localServer().lookups());
    assertThat(report.lines()).hasSize(3);
    try (Stream<Path> files = Files.list(logs)) {
      assertThat(files).as("a GC log per runtime, from the JVM options given").hasSize(2);
    }
    assertThat(report.cores())
        .as("taskset splits two processors or more")
        .startsWith(processors >= 2 && tasksetRuns() ? "runtimes on" : "shared");
    assertThat(Runtime.getRuntime().availableProcessors())
        .as("the generator's processors given back")
        .isEqualTo(processors);
    assertThat(progress).anyMatch(line -> line.startsWith("Runtime a owns"));
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (Admin admin = Admin.create(props)) {
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
          .noneMatch(topic -> topic.startsWith("loadtest.query."))
          .noneMatch(topic -> topic.startsWith(CustomerLookups.APPLICATION_ID));
      assertThat(admin.listGroups().all().get(30, TimeUnit.SECONDS))
          .extracting(GroupListing::groupId)
          .doesNotContain(CustomerLookups.APPLICATION_ID);
    }
  }

  private static boolean tasksetRuns() {
    try {
      Process taskset =
          new ProcessBuilder("taskset", "-p", Long.toString(ProcessHandle.current().pid()))
              .redirectErrorStream(true)
              .start();
      taskset.getInputStream().readAllBytes();
      return taskset.waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
