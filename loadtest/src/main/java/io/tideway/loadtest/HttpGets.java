package io.tideway.loadtest;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.Timeout;

/**
 * A workload of HTTP GETs that must answer {@code 200}: at most {@code concurrency} in flight, each
 * on a keep-alive connection of a pool of that size, cycling over a list of URIs, each answer read
 * to its end. Any other answer fails the run.
 *
 * <p>Apache HttpClient's asynchronous client on one I/O thread: the generator shares the machine
 * with what it measures, and a blocking client's hand-off to a sender thread per request cost it a
 * third of the CPU the server used; the JDK's client cost more still.
 */
public final class HttpGets implements Workload {

  /** Longest wait for one answer. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  /** Longest wait for a connection. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private static final int BODY_SHOWN = 300;

  private final SimpleHttpRequest[] requests;
  private final String[] described;
  private final RunContext context;
  private final Semaphore inFlight;
  private final CloseableHttpAsyncClient client;

  /**
   * @param uris what to GET, in turn
   * @param headers the headers of every request, {@code Accept} among them
   * @param concurrency requests in flight at most
   * @param context the run, told of each completion and failure
   */
  public HttpGets(
      List<URI> uris, Map<String, String> headers, int concurrency, RunContext context) {
    this.requests = new SimpleHttpRequest[uris.size()];
    this.described = new String[uris.size()];
    for (int i = 0; i < uris.size(); i++) {
      SimpleRequestBuilder request = SimpleRequestBuilder.get(uris.get(i));
      headers.forEach(request::setHeader);
      requests[i] = request.build();
      described[i] = "GET " + uris.get(i).getRawPath();
    }
    this.context = context;
    this.inFlight = new Semaphore(concurrency);
    this.client = asyncClient(concurrency);
  }

  /**
   * A started asynchronous client on one I/O thread with a pool of {@code connections} keep-alive
   * connections, HTTP/1.1, and nothing automatic: a failed request fails a run.
   */
  public static CloseableHttpAsyncClient asyncClient(int connections) {
    CloseableHttpAsyncClient client =
        HttpAsyncClients.custom()
            .setIOReactorConfig(
                IOReactorConfig.custom().setIoThreadCount(1).setTcpNoDelay(true).build())
            .setConnectionManager(
                PoolingAsyncClientConnectionManagerBuilder.create()
                    .setMaxConnTotal(connections)
                    .setMaxConnPerRoute(connections)
                    .setDefaultConnectionConfig(
                        ConnectionConfig.custom()
                            .setConnectTimeout(Timeout.of(CONNECT_TIMEOUT))
                            .setSocketTimeout(Timeout.of(REQUEST_TIMEOUT))
                            .build())
                    .build())
            .setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1)
            .disableAutomaticRetries()
            .disableRedirectHandling()
            .disableCookieManagement()
            .disableAuthCaching()
            .disableConnectionState()
            .disableRequestPriority()
            // Answers come uncompressed: the header and the decoding step only cost the generator.
            .disableContentCompression()
            .build();
    client.start();
    return client;
  }

  /**
   * Sends the request once fewer than {@code concurrency} are in flight. At the bound the schedule
   * waits here; the wait counts as latency, as it should, and ends within the request timeout.
   */
  @Override
  public void send(long sequence, long intendedNanos) {
    int index = (int) (sequence % requests.length);
    try {
      inFlight.acquire();
    } catch (InterruptedException e) {
      // An interrupted run stops; the harness sees the flag right after this returns.
      Thread.currentThread().interrupt();
      return;
    }
    client.execute(
        requests[index],
        new FutureCallback<SimpleHttpResponse>() {
          @Override
          public void completed(SimpleHttpResponse response) {
            inFlight.release();
            if (response.getCode() == 200) {
              context.completed(intendedNanos);
            } else {
              context.fail(
                  new LoadTestException(
                      described[index]
                          + " answered "
                          + response.getCode()
                          + " instead of 200: "
                          + shown(response.getBodyBytes())));
            }
          }

          @Override
          public void failed(Exception e) {
            inFlight.release();
            context.fail(new LoadTestException(described[index] + " failed: " + rootMessage(e), e));
          }

          @Override
          public void cancelled() {
            inFlight.release();
          }
        });
  }

  @Override
  public void close() {
    client.close(CloseMode.GRACEFUL);
  }

  /** A body as one line of text, cut short: enough to tell what went wrong. */
  public static String shown(byte[] body) {
    if (body == null || body.length == 0) {
      return "(no body)";
    }
    String text = new String(body, StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
    return text.length() <= BODY_SHOWN ? text : text.substring(0, BODY_SHOWN) + "…";
  }

  public static String rootMessage(Throwable e) {
    // Clients wrap the cause (in a CompletionException, say): name the cause itself.
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message == null || message.isBlank()
        ? root.getClass().getSimpleName()
        : root.getClass().getSimpleName() + ": " + message;
  }
}
