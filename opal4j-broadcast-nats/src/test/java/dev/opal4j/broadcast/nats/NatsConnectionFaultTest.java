package dev.opal4j.broadcast.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.testkit.NatsServer;
import dev.opal4j.testkit.TcpChaosProxy;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Network faults between the broadcaster and a healthy server, made with a TCP proxy. */
class NatsConnectionFaultTest {
  private static final Duration ROUND_TRIP = Duration.ofSeconds(1);
  private static NatsServer server;
  private TcpChaosProxy proxy;
  private NatsBroadcaster broadcaster;

  @BeforeAll
  static void startNats() {
    server = NatsServer.builder().withoutJetStream().launch();
  }

  @AfterAll
  static void stopNats() {
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

  /** jnats would happily queue it: only the missing answer to the PING behind it shows it was never taken. */
  @Test
  void aPublishIntoASilentConnectionIsNeverConfirmedAndTheLossIsReported() throws Exception {
    RecordingListener listener = new RecordingListener();
    broadcaster = connectedThroughProxy(listener);

    // No FIN, no RST: only an active check can notice.
    proxy.pause();
    CompletableFuture<Void> unanswered = broadcaster.publish("{\"into\":\"silence\"}");

    await().atMost(ROUND_TRIP.plusSeconds(5)).until(unanswered::isDone);
    assertThat(causeOf(unanswered)).isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("did not answer within " + ROUND_TRIP.toMillis() + " ms");
    await().atMost(Duration.ofSeconds(5)).until(() -> listener.lost.size() == 1);
    proxy.resume();
  }

  /** jnats' own message says only "Unable to connect to NATS servers"; the log line must say why. */
  @Test
  void anUnreachableServerIsUnavailableSayingTheConnectionWasRefused() {
    proxy.close(); // nothing listens on its port any more
    NatsBroadcaster b = new NatsBroadcaster(unchecked(() -> NatsEndpoint.parse(URI.create("nats://127.0.0.1:"
        + proxy.port()))), "EventNotifier", "i", new RecordingListener(), ROUND_TRIP);

    assertThatThrownBy(b::connect)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("nats://127.0.0.1:" + proxy.port())
        .hasMessageContaining("Connection refused");
    b.close();
  }

  @Test
  void closingNeverReportsALoss() throws Exception {
    RecordingListener listener = new RecordingListener();
    broadcaster = connectedThroughProxy(listener);

    broadcaster.close();
    proxy.cutAll();

    Thread.sleep(300); // jnats reports connection events on its own thread
    assertThat(listener.lost).isEmpty();
  }

  private NatsBroadcaster connectedThroughProxy(RecordingListener listener) throws Exception {
    NatsEndpoint endpoint = NatsEndpoint.parse(URI.create("nats://127.0.0.1:" + proxy.port()));
    NatsBroadcaster b = new NatsBroadcaster(endpoint, "EventNotifier", "i", listener, ROUND_TRIP);
    b.connect();
    return b;
  }

  private interface Parse {
    NatsEndpoint get() throws Exception;
  }

  private static NatsEndpoint unchecked(Parse parse) {
    try {
      return parse.get();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
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
