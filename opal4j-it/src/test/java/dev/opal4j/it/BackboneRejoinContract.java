package dev.opal4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Json;
import dev.opal4j.testkit.BackboneFixture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * How soon a worker with the default settings (backoff 0.5 to 30 s, return probe every 0.25 s) is
 * back on its backbone after an outage long enough for the backoff to have grown, and that a port
 * which accepts while the backbone refuses does not make it try more often than the backoff says.
 * Real server process, real backbone; the rejoin is printed (RESILIENCE.md quotes it).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BackboneRejoinContract {
  /** The goal is a second; the rest is headroom for a loaded 2-core CI machine. */
  private static final Duration REJOIN_LIMIT = Duration.ofMillis(1500);
  private static final Duration OUTAGE = Duration.ofSeconds(6);
  private static final Pattern CONNECT_ATTEMPTS =
      Pattern.compile("(?m)^opal_backbone_connect_attempts_total(?:\\{[^}]*})? (\\S+)$");

  private final HttpClient http = HttpClient.newHttpClient();
  private BackboneFixture backbone;

  protected abstract BackboneFixture startBackbone();

  protected String name() {
    return getClass().getSimpleName().replace("RejoinTest", "").toLowerCase();
  }

  @BeforeAll
  void startTheBackbone() {
    backbone = startBackbone();
  }

  @AfterAll
  void stopTheBackbone() {
    backbone.close();
  }

  private JsonNode health(OpalServerProcess node) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.http() + "/healthcheck"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    return Json.parse(r.body());
  }

  private long connectAttempts(OpalServerProcess node) throws Exception {
    String metrics = http.send(HttpRequest.newBuilder(URI.create(node.http() + "/metrics"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = CONNECT_ATTEMPTS.matcher(metrics);
    assertThat(m.find()).as("opal_backbone_connect_attempts_total in /metrics").isTrue();
    return (long) Double.parseDouble(m.group(1));
  }

  /** The first moment a TCP connection to the port succeeds, found by trying every 5 ms. */
  private static Thread watchForAcceptingPort(int port, AtomicReference<Instant> firstAccepted) {
    return Thread.ofPlatform().daemon().start(() -> {
      while (firstAccepted.get() == null && !Thread.currentThread().isInterrupted()) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 100);
          firstAccepted.set(Instant.now());
        } catch (IOException refused) {
          try {
            Thread.sleep(5);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    });
  }

  @Test
  void withTheDefaultSettingsAWorkerRejoinsWithinASecondOfTheBackbonesReturn() throws Exception {
    try (OpalServerProcess node = OpalServerProcess.start("rejoin", Map.of("OPAL_BROADCAST_URI", backbone.uri().toString()))) {
      await().atMost(Duration.ofSeconds(30)).until(() -> health(node).at("/backbone/state").asText().equals("connected"));
      FleetClient client = FleetClient.subscribe(node.ws(), List.of("policy_data"));
      AtomicReference<Instant> resynced = new AtomicReference<>();
      client.onClose = code -> resynced.compareAndSet(null, Instant.now());

      backbone.stop();
      await().atMost(Duration.ofSeconds(30)).until(() -> health(node).at("/backbone/state").asText().equals("disconnected"));
      // The outage itself: long enough for the backoff to grow to seconds, as in the reported case.
      Thread.sleep(OUTAGE.toMillis());
      AtomicReference<Instant> accepting = new AtomicReference<>();
      Thread watcher = watchForAcceptingPort(backbone.uri().getPort(), accepting);
      backbone.start();
      Instant ready = Instant.now();

      JsonNode[] joined = new JsonNode[1];
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
        joined[0] = health(node).at("/backbone");
        return !joined[0].at("/state").asText().equals("disconnected");
      });
      watcher.interrupt();
      Instant since = Instant.parse(joined[0].at("/since").asText());
      Duration rejoin = Duration.between(accepting.get(), since);
      await().atMost(Duration.ofSeconds(30)).until(() -> resynced.get() != null);
      client.close();
      System.out.printf("[resilience] %s: default settings, backbone down %d s: the worker joined %d ms after the"
          + " port accepted again (%d ms after the server was ready); its client was resynced (1012) %d ms after"
          + " the port accepted again%n", name(), OUTAGE.toSeconds(), rejoin.toMillis(),
          Duration.between(ready, since).toMillis(), Duration.between(accepting.get(), resynced.get()).toMillis());
      assertThat(rejoin).isLessThanOrEqualTo(REJOIN_LIMIT);
    }
  }

  @Test
  void aPortThatAcceptsWhileTheBackboneRefusesKeepsTheBackoffsPace() throws Exception {
    AtomicInteger accepted = new AtomicInteger();
    AtomicReference<Instant> firstAccepted = new AtomicReference<>();
    try (ServerSocket refusing = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      // Accepts every connection and closes it at once: the port is open, the backbone never answers.
      Thread.ofVirtual().start(() -> {
        while (!refusing.isClosed()) {
          try {
            refusing.accept().close();
            firstAccepted.compareAndSet(null, Instant.now());
            accepted.incrementAndGet();
          } catch (IOException closed) {
            return;
          }
        }
      });
      URI uri = backbone.uri();
      URI atTheListener = URI.create(uri.toString().replace(":" + uri.getPort(), ":" + refusing.getLocalPort()));
      try (OpalServerProcess node = OpalServerProcess.start("refused", Map.of("OPAL_BROADCAST_URI", atTheListener.toString()))) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
            .until(() -> connectAttempts(node) >= 4);
        Duration fourAttempts = Duration.between(firstAccepted.get(), Instant.now());
        long attempts = connectAttempts(node);
        // The backoff waits at least 0.25 + 0.5 + 1 s before the fourth attempt; a probe every
        // 0.25 s that brought attempts forward would have made them in about 0.75 s.
        System.out.printf("[resilience] %s: a port that accepts while the backbone refuses: 4 attempts took %d ms;"
            + " %d connections for %d attempts%n", name(), fourAttempts.toMillis(), accepted.get(), attempts);
        assertThat(fourAttempts).isGreaterThanOrEqualTo(Duration.ofMillis(1750));
        // an attempt's connection, and at most one probe per wait
        assertThat(accepted.get()).isLessThanOrEqualTo((int) (2 * attempts + 1));
      }
    }
  }
}
