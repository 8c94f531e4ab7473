package io.tideway.loadtest;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.Timeout;

/**
 * The registry scenario's requests: {@code concurrency} sender threads, each with a keep-alive
 * connection of its own, taking requests from the schedule and reading each answer to its end.
 *
 * <p>Blocking calls on Apache HttpClient rather than the JDK's asynchronous client: on 2 cores the
 * JDK client cost the generator 110–150% CPU at 6,900 requests/s, its ceiling, so the generator
 * measured itself; this one reaches 18,000 requests/s at full speed on the same machine.
 */
final class RegistryRequests implements Workload {

  private record Request(int index, long intendedNanos) {}

  private final String[] uris;
  private final String[] described;
  private final RunContext context;
  private final CloseableHttpClient client;
  private final SynchronousQueue<Request> handoff = new SynchronousQueue<>();
  private final ExecutorService senders;

  RegistryRequests(HttpRequest[] requests, int concurrency, RunContext context) {
    this.uris = new String[requests.length];
    this.described = new String[requests.length];
    for (int i = 0; i < requests.length; i++) {
      uris[i] = requests[i].uri().toString();
      described[i] = "GET " + requests[i].uri().getRawPath();
    }
    this.context = context;
    Timeout timeout = Timeout.of(RegistryScenario.REQUEST_TIMEOUT);
    this.client =
        HttpClients.custom()
            .setConnectionManager(
                PoolingHttpClientConnectionManagerBuilder.create()
                    .setMaxConnTotal(concurrency)
                    .setMaxConnPerRoute(concurrency)
                    .setDefaultSocketConfig(
                        SocketConfig.custom().setTcpNoDelay(true).setSoTimeout(timeout).build())
                    .setDefaultConnectionConfig(
                        ConnectionConfig.custom()
                            .setConnectTimeout(Timeout.of(RegistryScenario.CONNECT_TIMEOUT))
                            .setSocketTimeout(timeout)
                            .build())
                    .build())
            // A failed request fails the run: nothing to retry, follow or decompress.
            .disableAutomaticRetries()
            .disableRedirectHandling()
            .disableContentCompression()
            .disableCookieManagement()
            .disableAuthCaching()
            .build();
    this.senders =
        Executors.newFixedThreadPool(
            concurrency,
            task -> {
              Thread thread = new Thread(task, "registry-request");
              thread.setDaemon(true);
              return thread;
            });
    for (int i = 0; i < concurrency; i++) {
      senders.execute(this::sendAsTheyCome);
    }
  }

  /**
   * Hands the request to a free sender. With all of them busy the schedule waits here; the wait
   * counts as latency, as it should, and ends within the request timeout.
   */
  @Override
  public void send(long sequence, long intendedNanos) {
    try {
      handoff.put(new Request((int) (sequence % uris.length), intendedNanos));
    } catch (InterruptedException e) {
      // An interrupted run stops; the harness sees the flag right after this returns.
      Thread.currentThread().interrupt();
    }
  }

  private void sendAsTheyCome() {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        Request request = handoff.take();
        HttpGet get = new HttpGet(uris[request.index()]);
        get.addHeader("Accept", RegistryScenario.CONTENT_TYPE);
        try {
          client.execute(
              get,
              response -> {
                byte[] body = EntityUtils.toByteArray(response.getEntity());
                if (response.getCode() == 200) {
                  context.completed(request.intendedNanos());
                } else {
                  context.fail(
                      new LoadTestException(
                          described[request.index()]
                              + " answered "
                              + response.getCode()
                              + " instead of 200: "
                              + RegistryScenario.shown(body)));
                }
                return null;
              });
        } catch (IOException e) {
          context.fail(
              new LoadTestException(
                  described[request.index()] + " failed: " + RegistryScenario.rootMessage(e), e));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws Exception {
    senders.shutdownNow();
    client.close();
    senders.awaitTermination(RegistryScenario.REQUEST_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }
}
