package dev.opal4j.core.backbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.memory.MemoryBackbone;
import dev.opal4j.broadcast.memory.MemoryBroadcasterFactory;
import dev.opal4j.broadcast.spi.BackbonePosition;
import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.BroadcasterFactory;
import dev.opal4j.broadcast.spi.ResumableBroadcaster;
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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Resume instead of resync, against the in-process memory:// backbone with retention on (so its
 * broadcasters are resumable), which tests can cut one worker off from, expire, or recreate. Each
 * "no resync" assertion is made after the supervisor's loop finished the recovery (a task queued
 * behind it ran), so no test sleeps.
 */
class BackboneResumeTest {
  private final String uri = "memory://resume-" + Ids.uuidHex();
  private final MemoryBackbone backbone = MemoryBackbone.named(uri);
  private final List<AutoCloseable> cleanup = new ArrayList<>();

  BackboneResumeTest() {
    backbone.retain(1000);
  }

  private static ResilienceSettings fast(boolean resume) {
    return new ResilienceSettings(true, 0, Duration.ofMillis(10), Duration.ofMillis(50), 100, 1 << 20, true,
        Duration.ofMillis(50), Duration.ofMillis(50), true, Duration.ofSeconds(60), Duration.ZERO, Duration.ofSeconds(30),
        resume);
  }

  final class Worker {
    final String id = Ids.secureUuidHex();
    final Hub hub = new Hub(new TopicRegistry());
    final RecordingSubscriber client = new RecordingSubscriber();
    final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
    final ResyncCoordinator resync;
    final BackboneSupervisor supervisor;

    Worker(ResilienceSettings settings) {
      this(settings, new MemoryBroadcasterFactory());
    }

    Worker(ResilienceSettings settings, BroadcasterFactory factory) {
      resync = new ResyncCoordinator(hub::sessions, loop, settings.resyncSpread(), Integer.MAX_VALUE, () -> 0.5);
      supervisor = new BackboneSupervisor(factory,
          new BroadcastSettings(URI.create(uri), "EventNotifier", id, Map.of()), settings, hub, resync, reason -> {},
          loop, new Backoff(settings.backoffMin(), settings.backoffMax(), () -> 0.5), Clock.systemUTC());
      hub.attachBackbone(supervisor);
      cleanup.add(() -> {
        supervisor.close();
        loop.shutdownNow();
      });
      supervisor.start();
      soon().until(() -> supervisor.state() == BackboneState.CONNECTED);
      hub.register(client);
      hub.registry().subscribe(client, List.of("t"));
    }

    /** Publishes the JSON string {@code text}. */
    void publish(String text) {
      hub.publish(List.of("t"), "\"" + text + "\"", null);
    }

    /** The texts of the JSON strings the client received, in order. */
    List<String> data() {
      return client.received.stream().map(r -> r.data().replace("\"", "")).toList();
    }

    void awaitState(BackboneState state) {
      soon().until(() -> supervisor.state() == state);
    }

    /** Back on the backbone, and every task the supervisor had queued (replay, resync) has run. */
    void awaitRecovered() throws Exception {
      awaitState(BackboneState.CONNECTED);
      loop.submit(() -> {}).get(5, TimeUnit.SECONDS);
    }
  }

  /** Polls often: the memory backbone answers in microseconds. */
  private static ConditionFactory soon() {
    return await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : cleanup) {
      c.close();
    }
  }

  @Test
  void aWorkerCutOffWhileAPeerPublishesResumesAndItsClientGetsEveryMissedUpdateOnceInOrderWithoutResync()
      throws Exception {
    Worker a = new Worker(fast(true)); // hears nothing before the cut: resumes from where it subscribed
    Worker b = new Worker(fast(true));
    backbone.isolate(a.id);
    a.awaitState(BackboneState.DISCONNECTED);
    for (int i = 1; i <= 5; i++) {
      b.publish(Integer.toString(i));
    }
    assertThat(a.data()).isEmpty();
    backbone.rejoin(a.id);
    a.awaitRecovered();
    assertThat(a.data()).containsExactly("1", "2", "3", "4", "5");
    assertThat(a.resync.resyncCount() + b.resync.resyncCount()).isZero();
    BackboneStatus status = a.supervisor.status();
    assertThat(status.resumes()).isEqualTo(1);
    assertThat(status.resumedMessages()).isEqualTo(5);
    assertThat(status.positionsLost()).isZero();
    assertThat(status.detail()).contains("resumed");

    b.publish("6"); // live again
    soon().until(() -> a.data().size() == 6);
    assertThat(a.data()).containsExactly("1", "2", "3", "4", "5", "6");
    assertThat(a.supervisor.status().resumedMessages()).isEqualTo(5);
  }

  @Test
  void whatTheCutOffWorkerPublishedMeanwhileReachesItsPeerOnceAndItsOwnClientOnce() throws Exception {
    Worker a = new Worker(fast(true));
    Worker b = new Worker(fast(true));
    b.publish("b1");
    soon().until(() -> a.data().size() == 1);
    backbone.isolate(a.id);
    a.awaitState(BackboneState.DISCONNECTED);
    a.publish("a1"); // buffered for replay; its own client has it at once
    b.publish("b2");
    a.publish("a2");
    assertThat(a.data()).containsExactly("b1", "a1", "a2");
    backbone.rejoin(a.id);
    a.awaitRecovered();
    soon().until(() -> b.data().size() == 4);
    b.awaitRecovered();
    assertThat(a.data()).containsExactly("b1", "a1", "a2", "b2");
    assertThat(b.data()).containsExactly("b1", "b2", "a1", "a2");
    assertThat(a.supervisor.status().replayed()).isEqualTo(2);
    assertThat(a.resync.resyncCount() + b.resync.resyncCount()).isZero();
    assertThat(a.client.resyncs.get() + b.client.resyncs.get()).isZero();
  }

  @Test
  void afterAWholeBackboneOutageEveryWorkerResumesAndTheBufferedUpdatesArriveOnceWithoutResync() throws Exception {
    Worker a = new Worker(fast(true));
    Worker b = new Worker(fast(true));
    a.publish("before");
    soon().until(() -> b.data().size() == 1);
    backbone.breakDown();
    a.awaitState(BackboneState.DISCONNECTED);
    b.awaitState(BackboneState.DISCONNECTED);
    a.publish("a-during");
    b.publish("b-during");
    backbone.restore();
    a.awaitRecovered();
    b.awaitRecovered();
    soon().until(() -> a.data().size() == 3 && b.data().size() == 3);
    assertThat(a.data()).containsExactly("before", "a-during", "b-during");
    assertThat(b.data()).containsExactly("before", "b-during", "a-during");
    assertThat(a.supervisor.status().resumes()).isEqualTo(1);
    assertThat(b.supervisor.status().resumes()).isEqualTo(1);
    assertThat(a.resync.resyncCount() + b.resync.resyncCount()).isZero();
  }

  @Test
  void whenRetentionDroppedTheMissedMessagesTheWorkerSubscribesAtTheEndAndResyncsItsClients() throws Exception {
    Worker a = new Worker(fast(true));
    Worker b = new Worker(fast(true));
    backbone.isolate(a.id);
    a.awaitState(BackboneState.DISCONNECTED);
    b.publish("missed");
    backbone.forgetRetained();
    backbone.rejoin(a.id);
    a.awaitRecovered();
    soon().until(() -> a.client.resyncs.get() == 1);
    assertThat(a.data()).isEmpty(); // lost to it: the client re-fetches instead
    assertThat(a.supervisor.status().positionsLost()).isEqualTo(1);
    assertThat(a.supervisor.status().resumes()).isZero();
    assertThat(b.resync.resyncCount()).isZero();
    b.publish("after");
    soon().until(() -> a.data().contains("after"));
  }

  @Test
  void whenTheTopicWasRecreatedTheWorkerSubscribesAtTheEndAndResyncsItsClients() throws Exception {
    Worker a = new Worker(fast(true));
    Worker b = new Worker(fast(true));
    b.publish("heard");
    soon().until(() -> a.data().size() == 1);
    backbone.isolate(a.id);
    a.awaitState(BackboneState.DISCONNECTED);
    backbone.recreate();
    b.publish("on-the-new-topic");
    backbone.rejoin(a.id);
    a.awaitRecovered();
    soon().until(() -> a.client.resyncs.get() == 1);
    assertThat(a.supervisor.status().positionsLost()).isEqualTo(1);
    assertThat(a.data()).containsExactly("heard");
  }

  @Test
  void aSequenceGapStillSeenInTheResumedMessagesResyncsTheClients() throws Exception {
    Worker a = new Worker(fast(true));
    Broadcaster peer = new MemoryBroadcasterFactory().create(
        new BroadcastSettings(URI.create(uri), "EventNotifier", "peer", Map.of()), new Silent());
    cleanup.add(peer::close);
    peer.connect();
    peer.publish(new BroadcastNotification("peer", List.of("t"), "1", 1).encode()).join();
    soon().until(() -> a.data().size() == 1);
    backbone.isolate(a.id);
    a.awaitState(BackboneState.DISCONNECTED);
    peer.publish(new BroadcastNotification("peer", List.of("t"), "3", 3).encode()).join(); // 2 never reached the log
    backbone.rejoin(a.id);
    a.awaitRecovered();
    soon().until(() -> a.client.resyncs.get() == 1);
    assertThat(a.data()).containsExactly("1", "3");
    assertThat(a.supervisor.status().resumes()).isEqualTo(1);
    assertThat(a.supervisor.status().gapsDetected()).isEqualTo(1);
  }

  @Test
  void withResumeOffAReconnectResyncsAsOnABackboneWithoutPositions() throws Exception {
    Worker a = new Worker(fast(false));
    Worker b = new Worker(fast(false));
    backbone.isolate(a.id);
    a.awaitState(BackboneState.DISCONNECTED);
    b.publish("missed");
    backbone.rejoin(a.id);
    a.awaitRecovered();
    soon().until(() -> a.client.resyncs.get() == 1);
    assertThat(a.data()).isEmpty();
    assertThat(a.supervisor.status().resumes()).isZero();
    assertThat(a.supervisor.status().position()).isNull();
  }

  @Test
  void aReplayBufferThatOverflowedStillForcesTheResyncAfterAResume() throws Exception {
    ResilienceSettings small = new ResilienceSettings(true, 0, Duration.ofMillis(10), Duration.ofMillis(50), 2, 1 << 20,
        true, Duration.ofMillis(50), Duration.ofMillis(50), true, Duration.ofSeconds(60), Duration.ZERO,
        Duration.ofSeconds(30), true);
    Worker a = new Worker(small);
    backbone.isolate(a.id);
    a.awaitState(BackboneState.DISCONNECTED);
    for (int i = 0; i < 5; i++) {
      a.publish(Integer.toString(i));
    }
    backbone.rejoin(a.id);
    a.awaitRecovered();
    soon().until(() -> a.client.resyncs.get() == 1);
    assertThat(a.supervisor.status().resumes()).isEqualTo(1);
  }

  @Test
  void sendsThatWereInFlightWhenTheLinkDiedAreReplayedBeforeLaterUpdatesSoTheResumedPeerSeesNoGap()
      throws Exception {
    PendingSends pendingSends = new PendingSends();
    Worker a = new Worker(fast(true), pendingSends);
    Worker b = new Worker(fast(true));
    a.publish("1");
    soon().until(() -> b.data().size() == 1);
    pendingSends.holding = true; // the backbone stops acknowledging: "2" and "3" stay in flight
    a.publish("2");
    a.publish("3");
    backbone.isolate(a.id); // the link dies; the pending sends fail only while the broadcaster closes
    a.awaitState(BackboneState.DISCONNECTED);
    a.publish("4"); // buffered before "2" and "3" come back failed
    pendingSends.holding = false;
    backbone.rejoin(a.id);
    a.awaitRecovered();
    soon().until(() -> b.data().size() == 4);
    b.awaitRecovered();
    assertThat(b.data()).containsExactly("1", "2", "3", "4");
    assertThat(a.data()).containsExactly("1", "2", "3", "4");
    assertThat(b.supervisor.status().gapsDetected()).isZero();
    assertThat(a.resync.resyncCount() + b.resync.resyncCount()).isZero();
  }

  /**
   * memory:// broadcasters whose sends stay unacknowledged (and undelivered) while {@code holding},
   * and fail a moment after the broadcaster is closed, as a Kafka producer's pending sends do when
   * the broker died.
   */
  private static final class PendingSends implements BroadcasterFactory {
    private final MemoryBroadcasterFactory memory = new MemoryBroadcasterFactory();
    volatile boolean holding;

    @Override
    public Set<String> schemes() {
      return Set.of("memory");
    }

    @Override
    public Broadcaster create(BroadcastSettings settings, BroadcastListener listener)
        throws BroadcastConfigurationException {
      ResumableBroadcaster inner = (ResumableBroadcaster) memory.create(settings, listener);
      List<CompletableFuture<Void>> pending = new CopyOnWriteArrayList<>();
      return new ResumableBroadcaster() {
        @Override
        public void connect() throws BroadcastException {
          inner.connect();
        }

        @Override
        public void connect(BackbonePosition after) throws BroadcastException {
          inner.connect(after);
        }

        @Override
        public Optional<BackbonePosition> startPosition() {
          return inner.startPosition();
        }

        @Override
        public CompletableFuture<Void> publish(String message) {
          if (!holding) {
            return inner.publish(message);
          }
          CompletableFuture<Void> ack = new CompletableFuture<>();
          pending.add(ack);
          return ack;
        }

        @Override
        public void close() {
          inner.close();
          try {
            Thread.sleep(300); // closing a client takes a while; meanwhile newer updates are buffered
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          pending.forEach(ack -> ack.completeExceptionally(new BackboneUnavailableException("closed with sends pending")));
        }
      };
    }
  }

  private static final class Silent implements BroadcastListener {
    @Override
    public void onMessage(String message) {}

    @Override
    public void onConnectionLost(Throwable cause) {}
  }
}
