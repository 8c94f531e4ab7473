package io.tideway.schemas.registry;

import static io.tideway.schemas.registry.RegistryHttp.schemaBody;
import static io.tideway.schemas.registry.RunningRegistry.field;
import static io.tideway.schemas.registry.RunningRegistry.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

@TidewayTest
class RegistryInstancesIT {

  private static final int THREADS_PER_INSTANCE = 2;
  private static final int SCHEMAS_PER_THREAD = 25;
  private static final String SHARED = "shared-value";
  private static final String COMMON = "common-value";
  private static final String COMMON_SCHEMA = record("Common", field("c", "int"));

  /** One registration a thread made. */
  private record Registered(String subject, String schema, int id) {}

  @Test
  void shouldNeverHandOutAnIdOrVersionTwiceWhenTwoInstancesRegisterAtOnce(TestKafka kafka)
      throws Exception {
    // given
    String topic = RunningRegistry.storeTopic(kafka);
    try (RunningRegistry a = RunningRegistry.start(kafka, topic);
        RunningRegistry b = RunningRegistry.start(kafka, topic)) {
      // Unrelated schemas share a subject; instance b decides on what a wrote, as every write does.
      a.http.setLevel(null, "NONE");
      List<RegistryHttp> clients = new ArrayList<>();
      for (int i = 0; i < THREADS_PER_INSTANCE; i++) {
        clients.add(a.http);
        clients.add(b.http);
      }
      ExecutorService pool = Executors.newFixedThreadPool(clients.size());
      CountDownLatch go = new CountDownLatch(1);
      List<Future<List<Registered>>> threads = new ArrayList<>();

      // when
      for (int t = 0; t < clients.size(); t++) {
        int thread = t;
        RegistryHttp http = clients.get(t);
        threads.add(
            pool.submit(
                () -> {
                  go.await();
                  List<Registered> done = new ArrayList<>();
                  for (int i = 0; i < SCHEMAS_PER_THREAD; i++) {
                    String schema = record("T" + thread + "S" + i, field("f", "int"));
                    String subject = i % 2 == 0 ? SHARED : "own-" + thread + "-" + i + "-value";
                    done.add(new Registered(subject, schema, http.register(subject, schema)));
                    if (i % 5 == 0) {
                      done.add(
                          new Registered(
                              COMMON, COMMON_SCHEMA, http.register(COMMON, COMMON_SCHEMA)));
                    }
                  }
                  return done;
                }));
      }
      go.countDown();
      List<Registered> all = new ArrayList<>();
      for (Future<List<Registered>> f : threads) {
        all.addAll(f.get(90, TimeUnit.SECONDS));
      }
      pool.shutdown();

      // then distinct schemas have distinct ids, and the same schema one id
      List<Registered> distinct = all.stream().filter(r -> !r.subject().equals(COMMON)).toList();
      assertThat(distinct).hasSize(clients.size() * SCHEMAS_PER_THREAD);
      assertThat(distinct.stream().map(Registered::id).collect(Collectors.toSet()))
          .hasSize(distinct.size());
      Set<Integer> commonIds =
          all.stream()
              .filter(r -> r.subject().equals(COMMON))
              .map(Registered::id)
              .collect(Collectors.toSet());
      assertThat(commonIds).hasSize(1).doesNotContainAnyElementsOf(ids(distinct));

      // and no version number of the shared subject was used twice
      long sharedCount = distinct.stream().filter(r -> r.subject().equals(SHARED)).count();
      String expectedVersions =
          IntStream.rangeClosed(1, (int) sharedCount)
              .mapToObj(Integer::toString)
              .collect(Collectors.joining(",", "[", "]"));
      for (RunningRegistry instance : List.of(a, b)) {
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(instance.http.get("/subjects/" + SHARED + "/versions").body())
                        .isEqualTo(expectedVersions));
      }
      assertThat(b.http.get("/subjects/" + COMMON + "/versions").body()).isEqualTo("[1]");

      // and both instances answer every registration with the same id and version
      for (Registered r : all) {
        JsonNode fromA = a.http.post("/subjects/" + r.subject(), schemaBody(r.schema())).json();
        JsonNode fromB = b.http.post("/subjects/" + r.subject(), schemaBody(r.schema())).json();
        assertThat(fromA.path("id").asInt()).as("id of %s", r).isEqualTo(r.id());
        assertThat(fromB).as("lookup of %s", r).isEqualTo(fromA);
      }
    }
  }

  @Test
  void shouldFindOnOneInstanceWhatAnotherJustRegistered(TestKafka kafka) throws Exception {
    // given
    String topic = RunningRegistry.storeTopic(kafka);
    try (RunningRegistry a = RunningRegistry.start(kafka, topic);
        RunningRegistry b = RunningRegistry.start(kafka, topic)) {
      for (int i = 0; i < 10; i++) {
        String schema = record("Fresh" + i, field("f", "int"));

        // when
        int id = a.http.register("fresh-" + i + "-value", schema);

        // then, at once
        assertThat(b.http.get("/schemas/ids/" + id).status()).isEqualTo(200);
        assertThat(b.http.get("/subjects/fresh-" + i + "-value/versions/latest").status())
            .isEqualTo(200);
      }
    }
  }

  private static Set<Integer> ids(List<Registered> registered) {
    return registered.stream().map(Registered::id).collect(Collectors.toSet());
  }
}
