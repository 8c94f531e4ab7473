package io.tideway.cli;

import io.tideway.deploy.platform.PlatformSetupException;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** What a server's {@code --host} exposes it to. */
final class ListenAddress {

  private ListenAddress() {}

  /** Whether a host is this machine's loopback address, which no other machine reaches. */
  static boolean loopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new PlatformSetupException("Unknown host " + host + " (--host)");
    }
  }
}
