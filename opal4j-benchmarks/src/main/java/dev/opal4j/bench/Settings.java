package dev.opal4j.bench;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One run's resolved configuration: the scenario preset overlaid with the command line, checked as
 * a whole. Immutable.
 *
 * @param urls websocket URLs the subscribers spread over (empty with {@code startServer}: the
 *     started server's)
 * @param publishUrl http base URL of the server that receives the updates (null: the first URL's)
 * @param rate updates per second; 0 = flat out (bounded by {@code window})
 * @param window flat out: at most this many updates not yet delivered to every subscriber; also
 *     the limit of publish requests in flight
 */
record Settings(
    Scenario scenario,
    List<URI> urls,
    URI publishUrl,
    String publish,
    String token,
    String publishToken,
    int subscribers,
    List<InetAddress> sourceAddresses,
    List<String> topics,
    double rate,
    int window,
    int payloadBytes,
    Duration duration,
    Duration warmup,
    Duration settle,
    Duration drain,
    Duration connectTimeout,
    int connectConcurrency,
    int threads,
    int maxMessageBytes,
    boolean deflate,
    boolean reconnect,
    boolean startServer,
    Map<String, String> serverEnv,
    Duration serverReadyTimeout,
    List<Long> serverPids,
    URI metricsUrl,
    boolean serverGc,
    List<Hook> hooks,
    Path appendMarkdown,
    String label) {

  /** A shell command run at a fixed time after publishing starts (S5: kill / restart a backbone). */
  record Hook(double atSeconds, String command) {
    static Hook parse(String spec) {
      int colon = spec.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("--hook must be SECONDS:COMMAND, got '" + spec + "'");
      }
      try {
        return new Hook(Double.parseDouble(spec.substring(0, colon).trim()), spec.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--hook must be SECONDS:COMMAND, got '" + spec + "'");
      }
    }
  }

  boolean publishes() {
    return !publish.equals("none");
  }

  /** The upper bound of the run's own phases, for the report and as a safety net. */
  Duration bound() {
    return connectTimeout.plus(settle).plus(warmup).plus(duration).plus(drain).plus(Duration.ofSeconds(30));
  }

  /**
   * Parses {@code --source-ips}: a comma list of IPv4 addresses and ranges ({@code
   * 127.0.0.1-127.0.0.8}, last octet only).
   */
  static List<InetAddress> parseAddresses(String spec) {
    List<InetAddress> out = new ArrayList<>();
    if (spec == null || spec.isBlank()) {
      return out;
    }
    for (String part : spec.split(",")) {
      String p = part.trim();
      try {
        int dash = p.indexOf('-');
        if (dash < 0) {
          out.add(InetAddress.getByName(p));
          continue;
        }
        byte[] from = InetAddress.getByName(p.substring(0, dash)).getAddress();
        byte[] to = InetAddress.getByName(p.substring(dash + 1)).getAddress();
        if (from.length != 4 || to.length != 4 || from[0] != to[0] || from[1] != to[1] || from[2] != to[2]) {
          throw new IllegalArgumentException("--source-ips range '" + p + "' must vary only the last octet of an IPv4 address");
        }
        for (int last = from[3] & 0xff; last <= (to[3] & 0xff); last++) {
          out.add(Inet4Address.getByAddress(new byte[] {from[0], from[1], from[2], (byte) last}));
        }
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("--source-ips: '" + p + "' is not an IP address");
      }
    }
    return out;
  }

  /** 127.0.0.1 … 127.0.0.count: loopback source addresses need no setup on Linux. */
  static List<InetAddress> loopbackAddresses(int count) {
    return parseAddresses("127.0.0.1-127.0.0." + Math.max(1, Math.min(254, count)));
  }
}
