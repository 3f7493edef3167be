package dev.opal4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports on the loopback interface, for servers that tests start themselves.
 *
 * <p>Ports come from below the kernel's ephemeral range: a fixture that is killed and restarted
 * on the same port (every fault test does that) must find it free again, and a port from the
 * ephemeral range may meanwhile have become the source port of some outgoing connection ("Address
 * already in use" on restart). Random choice plus a bind check keeps parallel forks apart.
 */
public final class FreePorts {
  private static final int LOWEST = 10_000;
  private static final int ATTEMPTS = 200;

  private FreePorts() {}

  /** A port nothing listens on right now, outside the ephemeral range where possible. */
  public static int next() {
    int below = ephemeralRangeStart();
    if (below - LOWEST >= 1_000) {
      for (int i = 0; i < ATTEMPTS; i++) {
        int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
        if (isFree(port)) {
          return port;
        }
      }
    }
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The first port of net.ipv4.ip_local_port_range (Linux), or 32768 when it cannot be read. */
  static int ephemeralRangeStart() {
    try {
      // Read as a stream: sysctl files report size 0, and Files.readString/readAllBytes then
      // return only their first byte on some kernels (6.18: "3" instead of "32768\t60999").
      String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim();
      return Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }
}
