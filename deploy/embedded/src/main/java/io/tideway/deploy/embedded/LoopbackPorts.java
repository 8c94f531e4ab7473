package io.tideway.deploy.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Ports on the loopback interface. */
public final class LoopbackPorts {

  private LoopbackPorts() {}

  /**
   * Whether a server could listen on the port on 127.0.0.1: nothing listens there (or on every
   * interface). Connections of a stopped server that linger in TIME_WAIT do not count, just as the
   * servers themselves ignore them when they bind.
   */
  public static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A port that was free a moment ago, chosen by the operating system. */
  public static int pickFree() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on loopback", e);
    }
  }
}
