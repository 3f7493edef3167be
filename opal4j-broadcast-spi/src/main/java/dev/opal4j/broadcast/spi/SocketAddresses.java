package dev.opal4j.broadcast.spi;

import java.net.InetSocketAddress;

/** Builds the addresses a backend reports from {@link BroadcasterFactory#socketAddresses}. */
public final class SocketAddresses {
  private SocketAddresses() {}

  /**
   * An unresolved address for a host as a URI writes it: a name, an IPv4 address, or an IPv6
   * address with or without its brackets ({@code [::1]}).
   */
  public static InetSocketAddress unresolved(String host, int port) {
    String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    return InetSocketAddress.createUnresolved(bare, port);
  }

  /** {@code host:port} or {@code [v6]:port}, as the backends normalise their server lists. */
  public static InetSocketAddress parse(String hostAndPort) {
    int colon = hostAndPort.lastIndexOf(':');
    if (colon <= 0 || hostAndPort.endsWith("]")) {
      throw new IllegalArgumentException("'" + hostAndPort + "' is not host:port");
    }
    return unresolved(hostAndPort.substring(0, colon), Integer.parseInt(hostAndPort.substring(colon + 1)));
  }
}
