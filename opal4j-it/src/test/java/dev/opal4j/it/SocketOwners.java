package dev.opal4j.it;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Which process owns each accepted TCP connection on a port, read from {@code ss -tnpH}. */
final class SocketOwners {

  private SocketOwners() {}

  /** Peer (client) port → pid of the server process holding that connection. */
  static Map<Integer, Long> ownersByPeerPort(int serverPort) throws Exception {
    Process ss = new ProcessBuilder("ss", "-tnpH", "state", "established", "( sport = :" + serverPort + " )")
        .redirectErrorStream(true).start();
    String out = new String(ss.getInputStream().readAllBytes());
    ss.waitFor(10, TimeUnit.SECONDS);
    Map<Integer, Long> owners = new HashMap<>();
    for (String line : out.split("\n")) {
      Matcher m = Pattern.compile(":(\\d+)\\s+\\S+:(\\d+)\\s+users:\\(\\(\"[^\"]*\",pid=(\\d+)").matcher(line);
      if (m.find()) {
        owners.put(Integer.parseInt(m.group(2)), Long.parseLong(m.group(3)));
      }
    }
    return owners;
  }

  /** How many listening sockets (one per worker with SO_REUSEPORT) the port has. */
  static int listeners(int port) throws Exception {
    Process ss = new ProcessBuilder("ss", "-tlnpH", "( sport = :" + port + " )").redirectErrorStream(true).start();
    String out = new String(ss.getInputStream().readAllBytes());
    ss.waitFor(10, TimeUnit.SECONDS);
    return (int) out.lines().filter(l -> l.contains("pid=")).count();
  }
}
