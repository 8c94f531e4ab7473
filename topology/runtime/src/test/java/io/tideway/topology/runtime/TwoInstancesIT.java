package io.tideway.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import io.tideway.deploy.embedded.LoopbackPorts;
import io.tideway.fixtures.Balances;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import io.tideway.topology.DeploymentContext;
import io.tideway.topology.EventHeaders;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two runtimes of one application on a real broker, as two processes: every key answers from
 * either, and after one is killed with SIGKILL under load and restarted, the read model equals a
 * recomputation from the input — nothing lost, nothing counted twice.
 */
@TidewayTest
class TwoInstancesIT {

  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final int ACCOUNTS = 40;
  private static final int POSTINGS = 3_000;

  /** Scans sent to each instance at once: more than its server has threads. */
  private static final int CONCURRENT_SCANS = RuntimeHttp.serverThreads() + 4;

  @TempDir Path dir;

  @Test
  void survivesAKilledInstanceWithAnExactReadModel(TestKafka kafka) throws Exception {
    String ledger = kafka.createTopic("ledger", 6);
    String run = UUID.randomUUID().toString().substring(0, 8);
    Path jar = FixtureJars.jar(dir, "balances.jar", List.of(Balances.class));
    int portA = LoopbackPorts.pickFree();
    int portB = LoopbackPorts.pickFree();
    Map<String, Long> expected = new TreeMap<>();
    Random random = new Random(42);

    RuntimeProcess a = start("a", kafka, portA, jar, ledger, run);
    try (RuntimeProcess b = start("b", kafka, portB, jar, ledger, run);
        KafkaProducer<String, String> producer = producer(kafka)) {
      await().atMost(WAIT).until(() -> a.ready() && b.ready());
      RuntimeClient viaA = new RuntimeClient("http://127.0.0.1:" + portA);
      RuntimeClient viaB = new RuntimeClient("http://127.0.0.1:" + portB);

      for (int i = 0; i < POSTINGS; i++) {
        String account = "account-" + random.nextInt(ACCOUNTS);
        long amount = 1 + random.nextInt(100);
        String id = UUID.randomUUID().toString();
        expected.merge(account, amount, Long::sum);
        // a tenth of the postings arrive twice, as the relay may deliver them
        int copies = random.nextInt(10) == 0 ? 2 : 1;
        for (int copy = 0; copy < copies; copy++) {
          ProducerRecord<String, String> record =
              new ProducerRecord<>(ledger, account, Long.toString(amount));
          record.headers().add(EventHeaders.ID, id.getBytes(StandardCharsets.UTF_8));
          producer.send(record);
        }
        if (i == POSTINGS / 3) {
          producer.flush();
          await().atMost(WAIT).until(() -> viaB.deployment("balances").state().equals("RUNNING"));
          // With both instances up, a standby's copy never answers, even where stale is allowed.
          await()
              .atMost(WAIT)
              .ignoreExceptions()
              .untilAsserted(
                  () -> {
                    for (RuntimeClient client : List.of(viaA, viaB)) {
                      for (int n = 0; n < ACCOUNTS; n++) {
                        assertThat(client.get("balances", "account-" + n, true).path("stale"))
                            .as("account-%d", n)
                            .isEqualTo(BooleanNode.FALSE);
                      }
                    }
                  });
        }
        if (i == POSTINGS / 2) {
          a.kill();
          // The killed instance's keys answer from the standby copies here, marked stale, until
          // this instance takes them over (the killed one's session times out after 6 s).
          List<Boolean> stale = new ArrayList<>();
          for (int n = 0; n < ACCOUNTS; n++) {
            String key = "account-" + n;
            await()
                .atMost(WAIT)
                .ignoreExceptions()
                .untilAsserted(
                    () -> {
                      var answer = viaB.get("balances", key, true);
                      assertThat(answer.has("value")).isTrue();
                      stale.add(answer.path("stale").asBoolean());
                    });
          }
          assertThat(stale).contains(true);
        }
        if (i % 100 == 0) {
          Thread.sleep(20);
        }
      }
      producer.flush();

      try (RuntimeProcess restarted = start("a", kafka, portA, jar, ledger, run)) {
        await().atMost(WAIT).until(restarted::ready);
        await()
            .atMost(WAIT)
            .ignoreExceptions()
            .untilAsserted(() -> assertThat(scanAll(viaA)).isEqualTo(expected));
        for (Map.Entry<String, Long> account : expected.entrySet()) {
          for (RuntimeClient client : List.of(viaA, viaB)) {
            await()
                .atMost(WAIT)
                .ignoreExceptions()
                .untilAsserted(
                    () ->
                        assertThat(
                                client
                                    .get("balances", account.getKey(), false)
                                    .path("value")
                                    .asLong())
                            .as(account.getKey())
                            .isEqualTo(account.getValue()));
          }
        }

        HttpClient http = HttpClient.newHttpClient();
        concurrentScansAnswer(http, portA, portB, expected.size());

        // Read-your-writes through either instance: the one that does not own the key forwards
        // the wait to the one that does.
        String account = "account-0";
        for (int port : List.of(portA, portB)) {
          String id = UUID.randomUUID().toString();
          ProducerRecord<String, String> record = new ProducerRecord<>(ledger, account, "1");
          record.headers().add(EventHeaders.ID, id.getBytes(StandardCharsets.UTF_8));
          producer.send(record);
          producer.flush();
          expected.merge(account, 1L, Long::sum);
          HttpResponse<String> answer =
              http.send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:"
                                  + port
                                  + "/v1/stores/balances/keys/"
                                  + account
                                  + "?waitFor="
                                  + id
                                  + "&timeout=20s"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
          assertThat(new ObjectMapper().readTree(answer.body()).path("value").asLong())
              .isEqualTo(expected.get(account));
        }

        // Starting from scratch deletes the internal topics the other instance still runs on.
        assertThatThrownBy(
                () ->
                    viaA.deploy(
                        jar,
                        Map.of(DeploymentContext.TOPIC_RENAME_PREFIX + "ledger", ledger),
                        1,
                        false,
                        true))
            .isInstanceOf(RuntimeClient.RuntimeError.class)
            .hasMessageContaining("Cannot reset balances")
            .hasMessageContaining("still run elsewhere");
        assertThat(scanAll(viaB)).isEqualTo(expected);
      }
    } finally {
      a.close();
    }
  }

  /**
   * More scans at once on each instance than it has server threads: each gathers a part from the
   * other, and a part must be answered while the scans there wait for parts from here.
   */
  private static void concurrentScansAnswer(HttpClient http, int portA, int portB, int entries)
      throws Exception {
    List<CompletableFuture<HttpResponse<String>>> scans = new ArrayList<>();
    for (int i = 0; i < CONCURRENT_SCANS; i++) {
      for (int port : List.of(portA, portB)) {
        scans.add(
            http.sendAsync(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v1/stores/balances/keys"))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
      }
    }
    ObjectMapper json = new ObjectMapper();
    for (CompletableFuture<HttpResponse<String>> scan : scans) {
      HttpResponse<String> answer = scan.get(30, TimeUnit.SECONDS);
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      assertThat(json.readTree(answer.body()).path("entries")).hasSize(entries);
    }
  }

  /** Every entry of the store, in pages of 7 gathered from both instances. */
  static Map<String, Long> scanAll(RuntimeClient client) throws Exception {
    Map<String, Long> all = new java.util.LinkedHashMap<>();
    String cursor = null;
    do {
      var page = client.scan("balances", null, null, null, 7, cursor);
      for (var entry : page.path("entries")) {
        all.put(entry.path("key").asText(), entry.path("value").asLong());
      }
      cursor = page.path("next").isNull() ? null : page.path("next").asText();
    } while (cursor != null);
    assertThat(List.copyOf(all.keySet())).isSorted();
    return all;
  }

  private RuntimeProcess start(
      String name, TestKafka kafka, int port, Path jar, String ledger, String run)
      throws Exception {
    return RuntimeProcess.start(
        name, kafka.bootstrapServers(), dir.resolve(name), port, jar, ledger, run);
  }

  private static KafkaProducer<String, String> producer(TestKafka kafka) {
    Properties props = kafka.producerProperties();
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    return new KafkaProducer<>(props);
  }
}
