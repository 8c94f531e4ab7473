package io.tideway.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LoadTestTest {

  @Test
  void shouldGiveUpOnABrokerThatDoesNotAnswerWithinTheConnectTimeout() throws Exception {
    // given a port nothing listens on
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    List<String> lines = new ArrayList<>();
    LoadTest test =
        new LoadTest(
                new ProduceScenario(Map.of()),
                "127.0.0.1:" + port,
                LoadSettings.ofRecords(10),
                lines::add)
            .connectTimeout(Duration.ofSeconds(2));

    // when / then
    long start = System.nanoTime();
    assertThatThrownBy(test::run)
        .isInstanceOf(LoadTestException.class)
        .hasMessage(
            "Kafka at 127.0.0.1:"
                + port
                + " did not answer within 2s: is it running, and is that"
                + " its address?");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void shouldRejectSettingsTheScenarioCannotRunWith() {
    LoadSettings tiny = LoadSettings.ofRecords(10);
    LoadSettings tooSmall =
        new LoadSettings(
            tiny.rate(), tiny.duration(), tiny.records(), 8, tiny.warmup(), tiny.topicPartitions());

    assertThatThrownBy(
            () ->
                new LoadTest(
                    new PassthroughScenario(Guarantee.AT_LEAST_ONCE, Map.of(), Map.of()),
                    "127.0.0.1:9092",
                    tooSmall,
                    line -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--record-size");
  }

  @Test
  void shouldRunAScenarioThatDoesNotUseKafkaWithoutABroker() throws Exception {
    // given a scenario whose records complete as they are sent, and that tries to create a topic
    AtomicReference<Throwable> topicAttempt = new AtomicReference<>();
    Scenario inMemory =
        new MemoryScenario() {
          @Override
          public Workload start(RunContext context) {
            try {
              context.createTopic("in");
            } catch (Exception | Error e) {
              topicAttempt.set(e);
            }
            return (sequence, intendedNanos) -> context.completed(intendedNanos);
          }
        };
    List<String> lines = new ArrayList<>();

    // when
    LoadTestResult result =
        new LoadTest(inMemory, LoadSettings.ofRecords(1_000).withWarmup(Duration.ZERO), lines::add)
            .run();

    // then
    assertThat(result.recordsMeasured()).isEqualTo(1_000);
    assertThat(result.summaryLine()).startsWith("1000 calls sent, ");
    assertThat(lines.get(0))
        .isEqualTo(
            "[memory] 1000 calls, as fast as possible, 100 bytes each, 0s warm-up, against this"
                + " process");
    assertThat(topicAttempt.get())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("The memory scenario does not use Kafka: it has no broker, topics or groups");
  }

  @Test
  void shouldNotCountARateAboveTheOfferedOneWhenABacklogDrains() throws Exception {
    // given records at 1,000/s of which the first 300 complete together when the 301st is sent:
    // latency falls from 300 ms to nothing during the run
    List<Long> held = new ArrayList<>();
    Scenario draining =
        new MemoryScenario() {
          @Override
          public Workload start(RunContext context) {
            return (sequence, intendedNanos) -> {
              held.add(intendedNanos);
              if (sequence >= 300) {
                held.forEach(context::completed);
                held.clear();
              }
            };
          }
        };

    // when
    LoadTestResult result =
        new LoadTest(
                draining,
                new LoadSettings(
                    1_000,
                    Optional.of(Duration.ofSeconds(1)),
                    OptionalLong.empty(),
                    100,
                    Duration.ZERO,
                    1),
                line -> {})
            .run();

    // then the completions' 0.7 s would make it 1,430/s
    assertThat(result.recordsMeasured()).isEqualTo(1_000);
    assertThat(result.recordsPerSecond()).isBetween(900.0, 1_002.0);
  }

  /** A scenario whose records complete in this process, without Kafka. */
  private abstract static class MemoryScenario implements Scenario {

    @Override
    public String name() {
      return "memory";
    }

    @Override
    public boolean usesKafka() {
      return false;
    }

    @Override
    public String target() {
      return "this process";
    }

    @Override
    public String unit() {
      return "calls";
    }
  }

  @Test
  void shouldStillNeedABrokerForAScenarioThatUsesKafka() {
    assertThatThrownBy(
            () ->
                new LoadTest(new ProduceScenario(Map.of()), LoadSettings.ofRecords(10), line -> {}))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("bootstrapServers");
  }
}
