package io.tideway.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.IntStream;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RegistryScenarioTest {

  private final List<String> progress = new ArrayList<>();
  private FakeRegistry registry;

  @AfterEach
  void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void shouldRegisterItsSchemasThenCycleOverTheirIdsInOrder() throws Exception {
    // given
    registry = new FakeRegistry();
    RegistryScenario scenario = new RegistryScenario(registry.url(), 5, 1);

    // when 12 requests, one at a time
    LoadTestResult result = run(scenario, LoadSettings.ofRecords(12).withWarmup(Duration.ZERO));

    // then five subjects, five ids, and the ids asked in turn after one check of each
    assertThat(registry.subjects())
        .containsExactly(
            "loadtest.registry.event-0-value",
            "loadtest.registry.event-1-value",
            "loadtest.registry.event-2-value",
            "loadtest.registry.event-3-value",
            "loadtest.registry.event-4-value");
    assertThat(registry.idsBySchema()).hasSize(5);
    assertThat(registry.idsRequested())
        .containsExactly(
            100, 101, 102, 103, 104, // checked before the run
            100, 101, 102, 103, 104, 100, 101, 102, 103, 104, 100, 101);
    assertThat(result.recordsMeasured()).isEqualTo(12);
    assertThat(result.recordsLost()).isZero();
  }

  @Test
  void shouldSendTheCredentialsOfTheUrlAndNeverShowThem() throws Exception {
    // given
    registry = new FakeRegistry();
    String withCredentials = registry.url().replace("http://", "http://loader:s3cret@");
    RegistryScenario scenario = new RegistryScenario(withCredentials, 2, 2);

    // when
    LoadTestResult result = run(scenario, LoadSettings.ofRecords(20).withWarmup(Duration.ZERO));

    // then
    assertThat(registry.authorizations())
        .containsExactly(
            "Basic "
                + Base64.getEncoder()
                    .encodeToString("loader:s3cret".getBytes(StandardCharsets.UTF_8)));
    assertThat(scenario.target()).isEqualTo("the schema registry at " + registry.url());
    assertThat(String.join("\n", progress)).doesNotContain("s3cret");
    assertThat(result.toJson()).doesNotContain("s3cret");
  }

  @Test
  void shouldCountRequestsAndNeedNoKafka() throws Exception {
    // given
    registry = new FakeRegistry();
    RegistryScenario scenario = new RegistryScenario(registry.url() + "/", 3, 4);

    // when
    LoadTestResult result = run(scenario, LoadSettings.ofRecords(300).withWarmup(Duration.ZERO));

    // then
    assertThat(result.recordsMeasured()).isEqualTo(300);
    assertThat(result.unit()).isEqualTo("requests");
    assertThat(result.summaryLine()).startsWith("300 requests sent, ");
    assertThat(progress.get(0))
        .isEqualTo(
            "[registry] 300 requests, as fast as possible, 100 bytes each, 0s warm-up, against"
                + " the schema registry at "
                + registry.url());
    assertThat(progress).anyMatch(line -> line.startsWith("[measure] 300 requests sent, "));
    assertThat(result.toJson())
        .contains("\"registryUrl\" : \"" + registry.url() + "\"")
        .doesNotContain("bootstrapServers")
        .doesNotContain("topicPartitions");
  }

  @Test
  void shouldKeepAtMostConcurrencyRequestsInFlight() throws Exception {
    // given a registry that takes 20 ms per answer
    registry = new FakeRegistry().delayAnswers(20);
    RegistryScenario scenario = new RegistryScenario(registry.url(), 2, 3);

    // when 30 requests are due within 30 ms, ten times what three at a time can answer
    LoadTestResult result = run(scenario, fixedRate(1_000, 30));

    // then three at a time, and the wait for a slot counts as latency: the last request, due at
    // 29 ms, is answered after ten rounds of 20 ms
    assertThat(result.recordsMeasured()).isEqualTo(30);
    assertThat(registry.maxInFlight()).isEqualTo(3);
    assertThat(result.latency().max()).isGreaterThanOrEqualTo(150);
  }

  @Test
  void shouldFailTheRunWithTheStatusAndBodyOfAnAnswerOtherThan200() throws Exception {
    // given a registry that answers one of the ids with an error once the run has checked it
    registry = new FakeRegistry();
    RegistryScenario scenario = new RegistryScenario(registry.url(), 2, 2);
    LoadTest test =
        new LoadTest(
            new FailingAfterStart(scenario, registry),
            LoadSettings.ofRecords(50).withWarmup(Duration.ZERO),
            progress::add);

    // when / then
    assertThatThrownBy(test::run)
        .isInstanceOf(LoadTestException.class)
        .hasMessageContaining("GET /schemas/ids/101 answered 500 instead of 200")
        .hasMessageContaining("{\"error_code\":50001,\"message\":\"Store failed\"}");
  }

  @Test
  void shouldRefuseToStartWhenAnIdAnswersAnotherSchema() throws Exception {
    // given
    registry = new FakeRegistry().answerRegistered(1, 200, "{\"schema\":\"\\\"string\\\"\"}");
    RegistryScenario scenario = new RegistryScenario(registry.url(), 3, 2);

    // when / then
    assertThatThrownBy(() -> run(scenario, LoadSettings.ofRecords(10)))
        .isInstanceOf(LoadTestException.class)
        .hasMessageContaining(
            "GET /schemas/ids/101 answered another schema than the one registered under"
                + " loadtest.registry.event-1-value");
  }

  @Test
  void shouldNameTheRegistryThatDoesNotAnswer() throws Exception {
    // given a port nothing listens on
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    RegistryScenario scenario = new RegistryScenario("http://127.0.0.1:" + port, 3, 2);

    // when / then
    assertThatThrownBy(() -> run(scenario, LoadSettings.ofRecords(10)))
        .isInstanceOf(LoadTestException.class)
        .hasMessageStartingWith(
            "The schema registry at http://127.0.0.1:"
                + port
                + " did not answer: is it running, and is that its address?");
  }

  @Test
  void shouldRejectOptionsItCannotRunWith() {
    assertThatThrownBy(() -> new RegistryScenario("http://127.0.0.1:8081", 0, 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--schemas must be positive (was 0)");
    assertThatThrownBy(() -> new RegistryScenario("http://127.0.0.1:8081", 50, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--concurrency must be positive (was 0)");
    assertThatThrownBy(() -> new RegistryScenario("127.0.0.1:8081", 50, 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--registry-url must be an http:// or https:// URL");
  }

  @Test
  void shouldGiveDistinctSchemasOfTheAnswersSize() throws Exception {
    // given
    registry = new FakeRegistry();
    run(
        new RegistryScenario(registry.url(), 50, 4),
        LoadSettings.ofRecords(1).withWarmup(Duration.ZERO));

    // when
    int expected = RegistryScenario.answerBytes(50);

    // then the average answer is that size, and every schema is another
    double average = IntStream.range(0, 50).map(n -> answerLength(100 + n)).average().orElseThrow();
    assertThat(Math.round(average)).isEqualTo(expected);
    assertThat(registry.idsBySchema()).hasSize(50);
    assertThat(IntStream.range(0, 50).mapToObj(RegistryScenario::schema).distinct()).hasSize(50);
    Schema first = RegistryScenario.schema(0);
    assertThat(first.getField("amount").schema().getLogicalType().getName()).isEqualTo("decimal");
  }

  @Test
  void shouldBeTheSameSchemasEveryRunSoARegistryNeedNotGrow() {
    assertThat(RegistryScenario.schema(7)).isEqualTo(RegistryScenario.schema(7));
    assertThat(RegistryScenario.answerBytes(50)).isEqualTo(RegistryScenario.answerBytes(50));
  }

  private int answerLength(int id) {
    try {
      return registry.answer(id).length;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private LoadTestResult run(Scenario scenario, LoadSettings settings) throws Exception {
    return new LoadTest(scenario, settings, progress::add).run();
  }

  /** The scenario, with the registry answering id 101 with an error once the checks are done. */
  private record FailingAfterStart(RegistryScenario scenario, FakeRegistry registry)
      implements Scenario {

    @Override
    public String name() {
      return scenario.name();
    }

    @Override
    public boolean usesKafka() {
      return false;
    }

    @Override
    public Workload start(RunContext context) throws Exception {
      Workload workload = scenario.start(context);
      registry.answerRegistered(1, 500, "{\"error_code\":50001,\"message\":\"Store failed\"}");
      return workload;
    }
  }

  private static LoadSettings fixedRate(long rate, long records) {
    return new LoadSettings(
        rate,
        Optional.empty(),
        OptionalLong.of(records),
        LoadSettings.DEFAULT_RECORD_SIZE,
        Duration.ZERO,
        LoadSettings.DEFAULT_TOPIC_PARTITIONS);
  }
}
