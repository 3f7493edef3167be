package dev.opal4j.broadcast.spi;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Finds out whether anything accepts a TCP connection at a backbone's socket addresses ({@link
 * BroadcasterFactory#socketAddresses}): connects to each (every address its name resolves to, in
 * turn) and closes each connection as soon as it is made, without sending a byte, so no credentials
 * or protocol are involved and servers log it at most as a connection that came and went (Postgres
 * makes no complaint about a client that sent no startup packet). The addresses are probed in
 * parallel; name lookups and connects run on virtual threads, never on the caller's. A worker
 * waiting to reconnect uses it to notice the backbone's return.
 *
 * <p>Thread-safe; holds no connection between probes.
 */
public final class PortProbe {
  /**
   * How long one connect may take. A refused port answers at once; a host that drops packets is
   * given up on after this, so a probe never outlasts it by much.
   */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);

  private final List<InetSocketAddress> addresses;
  private final Duration timeout;

  public PortProbe(List<InetSocketAddress> addresses, Duration timeout) {
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("nothing to probe");
    }
    this.addresses = List.copyOf(addresses);
    this.timeout = timeout;
  }

  /**
   * A probe of the addresses the backend dials with these settings, or empty when it reports none
   * ({@code memory://}, or a backend that does not say).
   *
   * @throws BroadcastConfigurationException when the settings can never work
   */
  public static Optional<PortProbe> of(BroadcasterFactory factory, BroadcastSettings settings)
      throws BroadcastConfigurationException {
    List<InetSocketAddress> addresses = factory.socketAddresses(settings);
    return addresses.isEmpty() ? Optional.empty() : Optional.of(new PortProbe(addresses, CONNECT_TIMEOUT));
  }

  /**
   * Completes with the first address that accepted a connection, as {@code host:port}, or empty
   * when none did (refused, unreachable, a name that does not resolve, or no answer within the
   * timeout).
   */
  public CompletableFuture<Optional<String>> anyAccepts() {
    CompletableFuture<Optional<String>> result = new CompletableFuture<>();
    AtomicInteger unanswered = new AtomicInteger(addresses.size());
    for (InetSocketAddress address : addresses) {
      Thread.ofVirtual().name("opal4j-backbone-probe").start(() -> {
        if (accepts(address)) {
          result.complete(Optional.of(hostAndPort(address)));
        } else if (unanswered.decrementAndGet() == 0) {
          result.complete(Optional.empty());
        }
      });
    }
    // A name lookup has no timeout of its own; a hung one must not stop the probing.
    return result.completeOnTimeout(Optional.empty(), timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
  }

  private boolean accepts(InetSocketAddress address) {
    InetAddress[] resolved;
    try {
      resolved = address.isUnresolved()
          ? InetAddress.getAllByName(address.getHostString())
          : new InetAddress[] {address.getAddress()};
    } catch (UnknownHostException | SecurityException e) {
      return false;
    }
    for (InetAddress ip : resolved) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(ip, address.getPort()), (int) timeout.toMillis());
        return true;
      } catch (IOException e) {
        // refused, unreachable or timed out: try the next address of the name
      }
    }
    return false;
  }

  /** {@code host:port}, with an IPv6 literal in brackets. */
  static String hostAndPort(InetSocketAddress address) {
    String host = address.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }
}
