package io.tideway.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InlineLookupsTest {

  /** A pool whose threads are all busy: what is handed to it waits until the test runs it. */
  private final Queue<Runnable> held = new ConcurrentLinkedQueue<>();

  private final Executor busyPool = held::add;

  /** The same for clients' requests; refusing them once full. */
  private final Queue<Runnable> heldForClients = new ConcurrentLinkedQueue<>();

  private final AtomicBoolean clientsFull = new AtomicBoolean();
  private final Executor busyClients =
      task -> {
        if (clientsFull.get()) {
          throw new RejectedExecutionException("full");
        }
        heldForClients.add(task);
      };
  private final AtomicBoolean ready = new AtomicBoolean();
  private final HttpClient http = HttpClient.newHttpClient();
  private Server server;
  private InlineLookups root;
  private String url;

  @BeforeEach
  void start() throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    root =
        new InlineLookups(
            new KeyLookupHandler(() -> null, new SimpleMeterRegistry(), busyPool),
            busyPool,
            busyClients,
            ready::get);
    server.setHandler(root);
    server.start();
    url = "http://127.0.0.1:" + connector.getLocalPort();
  }

  @AfterEach
  void stop() throws Exception {
    held.forEach(Runnable::run);
    heldForClients.forEach(Runnable::run);
    server.stop();
  }

  @Test
  void healthIsAnsweredWhileEveryThreadOfThePoolIsBusy() throws Exception {
    // given: a request that needs the pool, which cannot take it
    CompletableFuture<HttpResponse<String>> queued =
        http.sendAsync(request("/v1/deployments"), HttpResponse.BodyHandlers.ofString());
    Thread.sleep(300);
    assertThat(queued).isNotDone();

    // when, then: both health checks answer all the same, readiness as the runtime says
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    HttpResponse<String> notReady = get("/health/ready");
    assertThat(notReady.statusCode()).isEqualTo(503);
    assertThat(notReady.body()).isEqualTo("{\"status\":\"DOWN\"}");
    ready.set(true);
    HttpResponse<String> isReady = get("/health/ready");
    assertThat(isReady.statusCode()).isEqualTo(200);
    assertThat(isReady.body()).isEqualTo("{\"status\":\"UP\"}");
    assertThat(isReady.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(queued).isNotDone();
  }

  @Test
  void aRequestArrivingWhileTheServerDrainsIsToldWhenToComeBack() throws Exception {
    // given
    ready.set(true);
    root.drain().get(5, TimeUnit.SECONDS);

    // when
    HttpResponse<String> refused = get("/v1/sagas");

    // then: nothing went to the pool, and the client knows to try again
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(refused.body()).contains("stopping");
    assertThat(held).isEmpty();
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    assertThat(get("/health/ready").statusCode()).as("not ready while stopping").isEqualTo(503);
  }

  @Test
  void aScanPartAnotherInstanceAsksIsAnsweredWhileEveryClientThreadIsBusy() throws Exception {
    // given: a client's scan, which gathers parts from other instances, waiting for a thread
    CompletableFuture<HttpResponse<String>> scan =
        http.sendAsync(request("/v1/stores/balances/keys"), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(5)).until(() -> heldForClients.size() == 1);

    // when: another instance asks this one for its part of a scan
    CompletableFuture<HttpResponse<String>> part =
        http.sendAsync(
            request("/v1/stores/balances/keys?limit=7&scope=local"),
            HttpResponse.BodyHandlers.ofString());

    // then: the part goes to the server's own pool, and is answered while the scan still waits
    await().atMost(Duration.ofSeconds(5)).until(() -> held.size() == 1);
    held.poll().run();
    assertThat(part.get(5, TimeUnit.SECONDS).statusCode())
        .as("answered: with no store queries in this test, not found")
        .isEqualTo(404);
    assertThat(scan).isNotDone();
    assertThat(heldForClients).hasSize(1);
  }

  @Test
  void aClientRequestFindingEveryThreadAndQueuePlaceTakenIsToldWhenToComeBack() throws Exception {
    // given
    clientsFull.set(true);

    // when
    HttpResponse<String> refused = get("/v1/stores/balances/keys");

    // then
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(refused.body()).contains("too many requests");
    assertThat(held).isEmpty();
  }

  @Test
  void aScanQueuedForAThreadHoldsTheDrainUntilItIsAnswered() throws Exception {
    // given: a client's scan waiting for a thread
    CompletableFuture<HttpResponse<String>> scan =
        http.sendAsync(request("/v1/stores/balances/keys"), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(5)).until(() -> heldForClients.size() == 1);

    // when
    CompletableFuture<Void> drained = root.drain();

    // then: the server may stop only once the scan is answered
    Thread.sleep(300);
    assertThat(drained).isNotDone();
    heldForClients.poll().run();
    drained.get(5, TimeUnit.SECONDS);
    assertThat(scan.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(404);
  }

  @Test
  void aScanStillQueuedWhenThePoolStopsIsToldWhenToComeBack() throws Exception {
    // given
    CompletableFuture<HttpResponse<String>> scan =
        http.sendAsync(request("/v1/sagas"), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(5)).until(() -> heldForClients.size() == 1);

    // when
    InlineLookups.refuse(List.of(heldForClients.poll()));

    // then
    HttpResponse<String> refused = scan.get(5, TimeUnit.SECONDS);
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(refused.body()).contains("stopping");
  }

  @Test
  void onlyWhatGathersFromOtherInstancesGoesToTheClientsPool() throws Exception {
    // given
    List<String> gathering =
        List.of(
            "/v1/stores/balances/keys", "/v1/sagas", "/v1/sagas/s-1", "/v1/aggregates/a/1/events");
    List<String> others =
        List.of(
            "/metrics",
            "/v1/deployments",
            "/v1/stores",
            "/v1/stores/balances/keys?limit=7&scope=local");

    // when
    for (String path : gathering) {
      http.sendAsync(request(path), HttpResponse.BodyHandlers.ofString());
    }
    for (String path : others) {
      http.sendAsync(request(path), HttpResponse.BodyHandlers.ofString());
    }

    // then
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> heldForClients.size() == gathering.size() && held.size() == others.size());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(request(path), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest request(String path) {
    return HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(5)).build();
  }
}
