package io.tideway.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PeersTest {

  @Test
  void aPeerThatCannotBeConnectedToIsTakenAsGoneForAMoment() throws Exception {
    // given: a port nothing listens on
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    URI uri = URI.create("http://127.0.0.1:" + port + "/v1/stores/s/keys/k");

    try (Peers peers = new Peers()) {
      // when, then: the first lookup tries and fails, the next fails without trying
      assertThatThrownBy(() -> peers.get(uri, Duration.ofSeconds(1)))
          .isInstanceOf(ConnectException.class)
          .hasMessageNotContaining("a moment ago");
      assertThatThrownBy(() -> peers.get(uri, Duration.ofSeconds(1)))
          .isInstanceOf(ConnectException.class)
          .hasMessage("127.0.0.1:" + port + " could not be connected to a moment ago");
    }
  }

  @Test
  void aPeerThatTakesTheConnectionButDoesNotAnswerIsTakenAsGoneForAMoment() throws Exception {
    // given: a port that accepts connections (the kernel's backlog does) and never answers
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Peers peers = new Peers()) {
      URI uri = URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/v1/stores/s/keys/k");

      // when, then: the first lookup waits out its timeout, the next fails without waiting
      assertThatThrownBy(() -> peers.get(uri, Duration.ofMillis(200)))
          .isInstanceOf(SocketTimeoutException.class);
      long asked = System.nanoTime();
      assertThatThrownBy(() -> peers.get(uri, Duration.ofSeconds(5)))
          .isInstanceOf(ConnectException.class)
          .hasMessageEndingWith("a moment ago");
      assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(1));
    }
  }
}
