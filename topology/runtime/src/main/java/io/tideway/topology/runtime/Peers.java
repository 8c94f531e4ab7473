package io.tideway.topology.runtime;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.Timeout;

/**
 * HTTP to the other instances of a runtime's applications: forwarded lookups and scan pages, over
 * pooled keep-alive connections.
 *
 * <p>Blocking calls on Apache HttpClient rather than the JDK's client: a forwarded lookup runs on
 * the server thread that took it, and the JDK client's hand-offs to its own threads cost more CPU
 * than the lookup on a small host.
 */
final class Peers implements AutoCloseable {

  /** An answer: status, body, and the {@code Retry-After} seconds (0 when absent). */
  record Reply(int status, String body, int retryAfter) {}

  /**
   * Peers are on the same network: a connection that takes longer is to a host that is gone, and
   * every lookup for its keys would hold a server thread that long.
   */
  private static final Timeout CONNECT_TIMEOUT = Timeout.ofSeconds(1);

  /**
   * How long a peer that could not be connected to, or did not answer in time, is taken as gone:
   * its lookups fail at once meanwhile, rather than each waiting for the connect timeout, until the
   * group moves its partitions (a dead static member keeps them for its session timeout).
   */
  static final Duration DOWN_FOR = Duration.ofSeconds(2);

  private final Map<String, Long> downUntil = new ConcurrentHashMap<>();

  /** Connections kept per instance: as many as server threads may forward at once. */
  static final int CONNECTIONS_PER_PEER = 64;

  private final CloseableHttpClient client =
      HttpClients.custom()
          .setConnectionManager(
              PoolingHttpClientConnectionManagerBuilder.create()
                  .setMaxConnPerRoute(CONNECTIONS_PER_PEER)
                  .setMaxConnTotal(CONNECTIONS_PER_PEER * 4)
                  .setDefaultSocketConfig(SocketConfig.custom().setTcpNoDelay(true).build())
                  .setDefaultConnectionConfig(
                      ConnectionConfig.custom().setConnectTimeout(CONNECT_TIMEOUT).build())
                  .build())
          // A peer's answer is relayed as it is: nothing to retry, follow or decompress here.
          .disableAutomaticRetries()
          .disableRedirectHandling()
          .disableContentCompression()
          .disableCookieManagement()
          .build();

  /**
   * GETs {@code uri}, waiting at most {@code timeout} for the answer.
   *
   * @throws IOException when the peer cannot be reached or does not answer in time
   */
  Reply get(URI uri, Duration timeout) throws IOException {
    String peer = uri.getHost() + ":" + uri.getPort();
    Long until = downUntil.get(peer);
    if (until != null) {
      if (System.nanoTime() - until < 0) {
        throw new ConnectException(peer + " could not be connected to a moment ago");
      }
      downUntil.remove(peer, until);
    }
    try {
      return send(uri, timeout);
    } catch (ConnectException | SocketTimeoutException e) {
      // One that takes connections but does not answer (stopped, or in a long pause) would hold a
      // server thread for the whole timeout per lookup.
      downUntil.put(peer, System.nanoTime() + DOWN_FOR.toNanos());
      throw e;
    }
  }

  private Reply send(URI uri, Duration timeout) throws IOException {
    HttpGet get = new HttpGet(uri);
    get.setConfig(
        RequestConfig.custom()
            .setResponseTimeout(Timeout.of(timeout))
            .setConnectionRequestTimeout(Timeout.of(timeout))
            .build());
    return client.execute(
        get,
        response -> {
          Header retryAfter = response.getFirstHeader("Retry-After");
          return new Reply(
              response.getCode(),
              response.getEntity() == null
                  ? ""
                  : EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8),
              retryAfter == null ? 0 : Integer.parseInt(retryAfter.getValue().trim()));
        });
  }

  @Override
  public void close() throws IOException {
    client.close();
  }
}
