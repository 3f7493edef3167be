package dev.opal4j.broadcast.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.Broadcasters;
import dev.opal4j.testkit.RedisServer;
import dev.opal4j.testkit.TcpChaosProxy;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Network faults between the broadcaster and a healthy server, made with a TCP proxy. */
class RedisConnectionFaultTest {
  private static RedisServer server;
  private TcpChaosProxy proxy;
  private Broadcaster broadcaster;

  @BeforeAll
  static void startRedis() {
    server = RedisServer.launch();
  }

  @AfterAll
  static void stopRedis() {
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void startProxy() {
    proxy = TcpChaosProxy.to(server.port());
  }

  @AfterEach
  void closeAll() {
    if (broadcaster != null) {
      broadcaster.close();
    }
    proxy.close();
  }

  @Test
  void cutConnectionsAreReportedOnceAndLaterPublishesFailFast() throws Exception {
    RecordingListener listener = new RecordingListener();
    broadcaster = connectedThroughProxy(listener);

    proxy.cutAll();

    await().atMost(Duration.ofSeconds(10)).until(() -> listener.lost.size() == 1);
    CompletableFuture<Void> after = broadcaster.publish("{\"after\":\"cut\"}");
    await().atMost(Duration.ofSeconds(5)).until(after::isDone);
    assertThat(after).isCompletedExceptionally();
    assertThat(causeOf(after)).isInstanceOf(BackboneUnavailableException.class);
    assertThat(listener.lost).hasSize(1);
  }

  @Test
  void aSilentlyDeadConnectionIsFoundByThePeriodicPing() throws Exception {
    RecordingListener listener = new RecordingListener();
    broadcaster = connectedThroughProxy(listener);

    // No FIN, no RST: only an active check can notice.
    proxy.pause();

    await().atMost(Duration.ofSeconds(40)).until(() -> listener.lost.size() == 1);
    proxy.resume();
  }

  @Test
  void aCutStreamConnectionIsReportedOnceAndLaterPublishesFailFast() throws Exception {
    RecordingListener listener = new RecordingListener();
    broadcaster = connectedThroughProxy(listener, "redis-stream");

    proxy.cutAll();

    await().atMost(Duration.ofSeconds(10)).until(() -> listener.lost.size() == 1);
    CompletableFuture<Void> after = broadcaster.publish("{\"after\":\"cut\"}");
    await().atMost(Duration.ofSeconds(5)).until(after::isDone);
    assertThat(causeOf(after)).isInstanceOf(BackboneUnavailableException.class);
    assertThat(listener.lost).hasSize(1);
  }

  /**
   * The reader's blocked XREAD is the stream mode's health check: it must answer within the command
   * timeout (here 2 s, so the test is quick; the reader then blocks for 1 s at a time).
   */
  @Test
  void aSilentlyDeadStreamConnectionIsFoundByTheReadersTimeout() throws Exception {
    RecordingListener listener = new RecordingListener();
    broadcaster = connectedThroughProxy(listener, "redis-stream", "?timeout=2s");
    Thread.sleep(1500); // a few quiet reads go by without a false alarm
    assertThat(listener.lost).isEmpty();

    proxy.pause();

    await().atMost(Duration.ofSeconds(10)).until(() -> listener.lost.size() == 1);
    proxy.resume();
  }

  @Test
  void closingNeverReportsALoss() throws Exception {
    RecordingListener listener = new RecordingListener();
    broadcaster = connectedThroughProxy(listener);

    broadcaster.close();
    proxy.cutAll();

    assertThat(listener.lost).isEmpty();
  }

  private Broadcaster connectedThroughProxy(RecordingListener listener) throws Exception {
    return connectedThroughProxy(listener, "redis", "");
  }

  private Broadcaster connectedThroughProxy(RecordingListener listener, String scheme) throws Exception {
    return connectedThroughProxy(listener, scheme, "");
  }

  private Broadcaster connectedThroughProxy(RecordingListener listener, String scheme, String query) throws Exception {
    URI uri = URI.create(scheme + "://127.0.0.1:" + proxy.port() + query);
    BroadcastSettings settings = new BroadcastSettings(uri, "EventNotifier", "i", Map.of());
    Broadcaster b = Broadcasters.discover().factoryFor(settings).create(settings, listener);
    b.connect();
    return b;
  }

  private static Throwable causeOf(CompletableFuture<Void> future) {
    try {
      future.get();
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
