package dev.opal4j.broadcast.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The TCP probe against real listening and closed loopback ports. */
class PortProbeTest {
  private final ServerSocket listener = listen();

  private static ServerSocket listen() {
    try {
      return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterEach
  void close() throws IOException {
    listener.close();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static Optional<String> probe(InetSocketAddress... addresses) throws Exception {
    return new PortProbe(List.of(addresses), Duration.ofSeconds(1)).anyAccepts().get(5, TimeUnit.SECONDS);
  }

  @Test
  void aListeningPortAcceptsAndTheProbeSendsNothingAndCloses() throws Exception {
    InetSocketAddress open = InetSocketAddress.createUnresolved("localhost", listener.getLocalPort());
    // localhost may name ::1 first; the probe tries every address of the name
    assertThat(probe(open)).contains("localhost:" + listener.getLocalPort());
    try (Socket accepted = listener.accept()) {
      accepted.setSoTimeout(5000);
      InputStream in = accepted.getInputStream();
      assertThat(in.read()).as("no byte, then end of stream").isEqualTo(-1);
    }
  }

  @Test
  void aPortWhereNothingListensDoesNotAccept() throws Exception {
    assertThat(probe(InetSocketAddress.createUnresolved("127.0.0.1", closedPort()))).isEmpty();
  }

  @Test
  void aNameThatDoesNotResolveDoesNotAccept() throws Exception {
    assertThat(probe(InetSocketAddress.createUnresolved("no-such-host.invalid", 5432))).isEmpty();
  }

  @Test
  void anIpv6AddressIsNamedInBrackets() {
    assertThat(PortProbe.hostAndPort(InetSocketAddress.createUnresolved("::1", 4222))).isEqualTo("[::1]:4222");
  }

  @Test
  void oneListeningAddressOfSeveralIsEnough() throws Exception {
    InetSocketAddress closed = InetSocketAddress.createUnresolved("127.0.0.1", closedPort());
    InetSocketAddress open = InetSocketAddress.createUnresolved("127.0.0.1", listener.getLocalPort());
    assertThat(probe(closed, open)).contains("127.0.0.1:" + listener.getLocalPort());
  }
}
