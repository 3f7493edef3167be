package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.opal4j.server.auth.TestKeys;
import dev.opal4j.server.ws.WebSocketEndpoint;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * The failed-auth throttle against real websocket upgrades over loopback sockets: it slows a client
 * that keeps presenting a bad token, never one with a valid token on the same address; it answers
 * 429 with Retry-After; forwarded client addresses count only from trusted proxies; and its log
 * lines are rate-limited.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HandshakeThrottleTest {
  private static final int FAILURES = 3;
  private TestKeys keys;
  private RunningServer direct;
  private RunningServer behindProxy;

  @BeforeAll
  void start() throws Exception {
    keys = TestKeys.generate();
    Map<String, String> env = new HashMap<>(keys.serverEnv("m"));
    env.put("OPAL_WS_AUTH_FAILURES_PER_ADDRESS", Integer.toString(FAILURES));
    env.put("OPAL_WS_AUTH_FAILURE_WINDOW_SECONDS", "30");
    direct = RunningServer.start(env);
    env.put("OPAL_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1/32");
    behindProxy = RunningServer.start(env);
  }

  @AfterAll
  void stop() {
    direct.close();
    behindProxy.close();
  }

  /** The status line and headers of a websocket upgrade request sent on a fresh socket. */
  record Answer(int status, Map<String, String> headers) {}

  static Answer upgrade(RunningServer server, Map<String, String> headers) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      StringBuilder request = new StringBuilder("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\n"
          + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
      headers.forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
      OutputStream out = socket.getOutputStream();
      out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      int status = Integer.parseInt(in.readLine().split(" ")[1]);
      Map<String, String> answer = new LinkedHashMap<>();
      for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
        int colon = line.indexOf(':');
        answer.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
      }
      return new Answer(status, answer);
    }
  }

  private static Map<String, String> bearer(String token, String... more) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Authorization", "Bearer " + token);
    for (int i = 0; i < more.length; i += 2) {
      headers.put(more[i], more[i + 1]);
    }
    return headers;
  }

  @Test
  void aValidClientIsLetInAtOnceWhileABadNeighbourOnTheSameAddressRetriesInATightLoop() throws Exception {
    String badToken = "bad-neighbour-" + System.nanoTime();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger throttled = new AtomicInteger();
    List<Integer> neighbourStatuses = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread neighbour = Thread.ofPlatform().name("bad-neighbour").start(() -> {
      for (int i = 0; i < 5000 && !stop.get(); i++) {
        try {
          int status = upgrade(direct, bearer(badToken)).status();
          neighbourStatuses.add(status);
          if (status == 429) {
            throttled.incrementAndGet();
          }
        } catch (Exception e) {
          neighbourStatuses.add(-1);
        }
      }
    });
    try {
      while (throttled.get() == 0 && neighbour.isAlive()) {
        Thread.onSpinWait();
      }
      assertThat(throttled.get()).as("the bad neighbour's retries were throttled").isPositive();
      String valid = keys.token("client", Map.of());
      for (int i = 0; i < 20; i++) {
        assertThat(upgrade(direct, bearer(valid)).status()).as("valid handshake %d during the loop", i).isEqualTo(101);
      }
      assertThat(neighbour.isAlive()).as("the neighbour was still hammering while the valid client got in").isTrue();
    } finally {
      stop.set(true);
      neighbour.join();
    }
    assertThat(neighbourStatuses.subList(0, FAILURES)).containsOnly(403);
  }

  @Test
  void aThrottledHandshakeIsAnswered429WithRetryAfterWithinTheWindow() throws Exception {
    String badToken = "retry-after-" + System.nanoTime();
    for (int i = 0; i < FAILURES; i++) {
      assertThat(upgrade(direct, bearer(badToken)).status()).isEqualTo(403);
    }
    Answer throttled = upgrade(direct, bearer(badToken));
    assertThat(throttled.status()).isEqualTo(429);
    assertThat(Integer.parseInt(throttled.headers().get("retry-after"))).isBetween(1, 30);
  }

  @Test
  void forwardedHeadersFromAnUntrustedPeerAreIgnored() throws Exception {
    String badToken = "spoofer-" + System.nanoTime();
    for (int i = 0; i < FAILURES; i++) {
      upgrade(direct, bearer(badToken, "X-Forwarded-For", "203.0.113." + i));
    }
    // Claiming yet another address does not escape the count kept for 127.0.0.1.
    assertThat(upgrade(direct, bearer(badToken, "X-Forwarded-For", "203.0.113.99",
        "Forwarded", "for=198.51.100.99")).status()).isEqualTo(429);
  }

  @Test
  void fromATrustedProxyTheRightmostUntrustedForwardedHopIsTheClient() throws Exception {
    String badToken = "behind-proxy-" + System.nanoTime();
    for (int i = 0; i < FAILURES; i++) {
      // a client-supplied (forged) hop on the left, then the address the 10.x proxy saw
      assertThat(upgrade(behindProxy, bearer(badToken, "X-Forwarded-For", "192.0.2." + i + ", 203.0.113.7, 10.1.2.3"))
          .status()).isEqualTo(403);
    }
    assertThat(upgrade(behindProxy, bearer(badToken, "X-Forwarded-For", "203.0.113.7")).status())
        .as("same client, same bad token").isEqualTo(429);
    assertThat(upgrade(behindProxy, bearer(badToken, "X-Forwarded-For", "203.0.113.8")).status())
        .as("another client behind the same proxy").isEqualTo(403);
    assertThat(upgrade(behindProxy, bearer(badToken, "Forwarded", "for=\"203.0.113.7:4711\";proto=https")).status())
        .as("the same client named by RFC 7239's header").isEqualTo(429);
  }

  @Test
  void refusedHandshakesFromOneAddressLogOneWarnLinePerInterval() throws Exception {
    Logger endpointLog = (Logger) LoggerFactory.getLogger(WebSocketEndpoint.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    endpointLog.addAppender(lines);
    try {
      String client = "198.51.100.77";
      for (int i = 0; i < 30; i++) {
        upgrade(behindProxy, bearer("logged-" + System.nanoTime(), "X-Forwarded-For", client));
      }
    } finally {
      endpointLog.detachAppender(lines);
    }
    List<ILoggingEvent> about = lines.list.stream()
        .filter(e -> e.getLevel() == Level.WARN && e.getFormattedMessage().contains("198.51.100.77")).toList();
    assertThat(about).as("WARN lines for 30 refusals within seconds").hasSize(1);
  }
}
