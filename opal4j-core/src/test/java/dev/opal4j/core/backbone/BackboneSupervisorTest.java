package dev.opal4j.core.backbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.memory.MemoryBackbone;
import dev.opal4j.broadcast.memory.MemoryBroadcasterFactory;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.core.hub.Hub;
import dev.opal4j.core.hub.RecordingSubscriber;
import dev.opal4j.core.hub.TopicRegistry;
import dev.opal4j.protocol.BroadcastNotification;
import dev.opal4j.protocol.Ids;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The supervisor against the in-process memory:// backbone, which tests can take down and restore. */
class BackboneSupervisorTest {
  private final String uri = "memory://supervisor-" + Ids.uuidHex();
  private final MemoryBackbone backbone = MemoryBackbone.named(uri);
  private final List<AutoCloseable> cleanup = new ArrayList<>();

  private static ResilienceSettings fast(int maxRetries, boolean resync) {
    return new ResilienceSettings(true, maxRetries, Duration.ofMillis(10), Duration.ofMillis(50), 100, 1 << 20,
        resync, Duration.ofMillis(100), Duration.ofMillis(100), true, Duration.ofSeconds(60), Duration.ZERO, Duration.ofSeconds(30));
  }

  final class Worker {
    final Hub hub = new Hub(new TopicRegistry());
    final RecordingSubscriber client = new RecordingSubscriber();
    final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
    final List<String> gaveUp = new CopyOnWriteArrayList<>();
    final BackboneSupervisor supervisor;

    Worker(ResilienceSettings settings) {
      ResyncCoordinator resync = new ResyncCoordinator(hub::sessions, loop, settings.resyncSpread(), Integer.MAX_VALUE,
          () -> 0.5);
      supervisor = new BackboneSupervisor(new MemoryBroadcasterFactory(),
          new BroadcastSettings(URI.create(uri), "EventNotifier", Ids.secureUuidHex(), Map.of()), settings, hub, resync,
          gaveUp::add, loop, new Backoff(settings.backoffMin(), settings.backoffMax(), () -> 0.5), Clock.systemUTC());
      hub.attachBackbone(supervisor);
      cleanup.add(() -> {
        supervisor.close();
        loop.shutdownNow();
      });
    }

    /**
     * Starts the supervisor and connects the client: after the first join when the backbone is up
     * (a client that came before it would be resynced by the join).
     */
    Worker start() {
      supervisor.start();
      if (backbone.isAvailable()) {
        awaitState(this, BackboneState.CONNECTED);
      }
      connectClient();
      return this;
    }

    /** Connects the client first, then starts: the client hears everything from the first join on. */
    Worker startWithClientConnected() {
      connectClient();
      supervisor.start();
      return this;
    }

    private void connectClient() {
      hub.register(client);
      hub.registry().subscribe(client, List.of("t"));
    }

    List<String> data() {
      return client.received.stream().map(RecordingSubscriber.Received::data).toList();
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : cleanup) {
      c.close();
    }
    backbone.restore();
  }

  private static void awaitState(Worker w, BackboneState state) {
    await().atMost(Duration.ofSeconds(5)).until(() -> w.supervisor.state() == state);
  }

  @Test
  void anUpdateReachesEveryOtherWorkerExactlyOnceAndIsNotEchoedBack() {
    Worker a = new Worker(fast(0, true)).start();
    Worker b = new Worker(fast(0, true)).start();
    awaitState(a, BackboneState.CONNECTED);
    awaitState(b, BackboneState.CONNECTED);
    a.hub.publish(List.of("t"), "1", null);
    await().atMost(Duration.ofSeconds(5)).until(() -> b.data().size() == 1);
    assertThat(a.data()).containsExactly("1");
    assertThat(b.data()).containsExactly("1");
  }

  @Test
  void duringAnOutageClientsStayAndBufferedUpdatesAreReplayedInOrderThenClientsResync() {
    Worker a = new Worker(fast(0, true)).start();
    Worker b = new Worker(fast(0, true)).start();
    awaitState(a, BackboneState.CONNECTED);
    awaitState(b, BackboneState.CONNECTED);
    backbone.breakDown();
    awaitState(a, BackboneState.DISCONNECTED);
    for (int i = 1; i <= 5; i++) {
      a.hub.publish(List.of("t"), Integer.toString(i), null);
    }
    assertThat(a.data()).containsExactly("1", "2", "3", "4", "5"); // local delivery goes on
    assertThat(a.supervisor.status().buffered()).isEqualTo(5);
    assertThat(b.client.resyncs.get()).isZero();
    backbone.restore();
    await().atMost(Duration.ofSeconds(5)).until(() -> b.data().size() == 5);
    assertThat(b.data()).containsExactly("1", "2", "3", "4", "5");
    await().atMost(Duration.ofSeconds(5)).until(() -> a.client.resyncs.get() == 1 && b.client.resyncs.get() == 1);
    assertThat(a.supervisor.status().replayed()).isEqualTo(5);
  }

  @Test
  void withResyncDisabledOnlyTheReplayHappens() throws Exception {
    Worker a = new Worker(fast(0, false)).start();
    Worker b = new Worker(fast(0, false)).start();
    awaitState(a, BackboneState.CONNECTED);
    awaitState(b, BackboneState.CONNECTED);
    backbone.breakDown();
    awaitState(a, BackboneState.DISCONNECTED);
    a.hub.publish(List.of("t"), "\"x\"", null);
    backbone.restore();
    await().atMost(Duration.ofSeconds(5)).until(() -> b.data().size() == 1);
    Thread.sleep(300); // past the settle window: a resync would have happened by now
    assertThat(a.client.resyncs.get() + b.client.resyncs.get()).isZero();
  }

  @Test
  void aBackboneDownAtStartUpIsJoinedWhenItAppearsAndEarlyUpdatesAreNotLost() {
    backbone.breakDown();
    Worker a = new Worker(fast(0, true)).start();
    awaitState(a, BackboneState.DISCONNECTED);
    a.hub.publish(List.of("t"), "\"early\"", null);
    Worker b = new Worker(fast(0, true));
    backbone.restore();
    b.startWithClientConnected();
    awaitState(b, BackboneState.CONNECTED);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.supervisor.state() == BackboneState.CONNECTED);
    await().atMost(Duration.ofSeconds(5)).until(() -> b.data().contains("\"early\""));
  }

  @Test
  void clientsConnectedBeforeTheFirstJoinAreResyncedByItAndLaterOnesAreNot() throws Exception {
    backbone.breakDown();
    Worker a = new Worker(fast(0, true)).start(); // its client connects while the backbone is down
    awaitState(a, BackboneState.DISCONNECTED);
    backbone.restore();
    awaitState(a, BackboneState.CONNECTED);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.client.resyncs.get() == 1);
    RecordingSubscriber late = new RecordingSubscriber();
    a.hub.register(late);
    Thread.sleep(300); // past the resync spread: a second pass would have reached it by now
    assertThat(late.resyncs.get()).isZero();
    assertThat(a.client.resyncs.get()).isEqualTo(1);
  }

  @Test
  void afterMaxRetriesTheWorkerGivesUpAndSaysWhy() {
    Worker a = new Worker(fast(3, true)).start();
    awaitState(a, BackboneState.CONNECTED);
    backbone.breakDown();
    await().atMost(Duration.ofSeconds(5)).until(() -> !a.gaveUp.isEmpty());
    assertThat(a.gaveUp.get(0)).contains("after 3 attempts").contains("OPAL_BROADCAST_RECONNECT_MAX_RETRIES=3");
    assertThat(a.supervisor.state()).isEqualTo(BackboneState.STOPPED);
    assertThat(a.supervisor.status().healthy()).isFalse();
  }

  @Test
  void aJumpInAPeersSequenceResyncsThisWorkersClientsEvenWithoutAnOutage() throws Exception {
    Worker a = new Worker(fast(0, true)).start();
    awaitState(a, BackboneState.CONNECTED);
    Broadcaster peer = new MemoryBroadcasterFactory().create(
        new BroadcastSettings(URI.create(uri), "EventNotifier", "peer", Map.of()), new NoopListener());
    cleanup.add(peer::close);
    peer.connect();
    peer.publish(new BroadcastNotification("peer", List.of("t"), "1", 1).encode()).join();
    peer.publish(new BroadcastNotification("peer", List.of("t"), "1", 1).encode()).join(); // replayed duplicate
    peer.publish(new BroadcastNotification("peer", List.of("t"), "3", 3).encode()).join(); // 2 was lost
    await().atMost(Duration.ofSeconds(5)).until(() -> a.client.resyncs.get() == 1);
    assertThat(a.data()).containsExactly("1", "3");
    assertThat(a.supervisor.status().gapsDetected()).isEqualTo(1);
    assertThat(a.supervisor.status().duplicatesDropped()).isEqualTo(1);
  }

  @Test
  void aPythonPeersMessageWithoutSequenceIsDeliveredAndNeverReBroadcast() throws Exception {
    Worker a = new Worker(fast(0, true)).start();
    awaitState(a, BackboneState.CONNECTED);
    List<String> heard = new CopyOnWriteArrayList<>();
    Broadcaster peer = new MemoryBroadcasterFactory().create(
        new BroadcastSettings(URI.create(uri), "EventNotifier", "py", Map.of()), new NoopListener() {
          @Override
          public void onMessage(String message) {
            heard.add(message);
          }
        });
    cleanup.add(peer::close);
    peer.connect();
    peer.publish("{\"notifier_id\": \"py\", \"topics\": [\"t\"], \"data\": {\"x\": 1}}").join();
    await().atMost(Duration.ofSeconds(5)).until(() -> a.data().size() == 1);
    assertThat(a.data()).containsExactly("{\"x\":1}");
    assertThat(heard).hasSize(1); // only the peer's own message: the worker did not re-broadcast it
  }

  @Test
  void whenTheReplayBufferOverflowsClientsAreResyncedEvenIfResyncIsDisabled() {
    ResilienceSettings small = new ResilienceSettings(true, 0, Duration.ofMillis(10), Duration.ofMillis(50), 2, 1 << 20,
        false, Duration.ofMillis(50), Duration.ofMillis(50), true, Duration.ofSeconds(60), Duration.ZERO, Duration.ofSeconds(30));
    Worker a = new Worker(small).start();
    awaitState(a, BackboneState.CONNECTED);
    backbone.breakDown();
    awaitState(a, BackboneState.DISCONNECTED);
    for (int i = 0; i < 5; i++) {
      a.hub.publish(List.of("t"), Integer.toString(i), null);
    }
    assertThat(a.supervisor.status().bufferDropped()).isEqualTo(3);
    backbone.restore();
    await().atMost(Duration.ofSeconds(5)).until(() -> a.client.resyncs.get() == 1);
  }

  private static class NoopListener implements BroadcastListener {
    @Override
    public void onMessage(String message) {}

    @Override
    public void onConnectionLost(Throwable cause) {}
  }
}
