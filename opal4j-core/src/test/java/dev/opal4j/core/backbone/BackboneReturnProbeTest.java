package dev.opal4j.core.backbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.memory.MemoryBackbone;
import dev.opal4j.broadcast.memory.MemoryBroadcasterFactory;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.BroadcasterFactory;
import dev.opal4j.broadcast.spi.PortProbe;
import dev.opal4j.core.hub.Hub;
import dev.opal4j.core.hub.TopicRegistry;
import dev.opal4j.protocol.Ids;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The supervisor probing a backbone's port between backoff attempts: the in-process backbone, which
 * the test takes down and restores, stands behind a real loopback port that the test closes and
 * opens again, and the supervisor probes that port with the real {@link PortProbe}.
 */
class BackboneReturnProbeTest {
  private static final Duration PROBE_INTERVAL = Duration.ofMillis(20);
  private final String uri = "memory://return-probe-" + Ids.uuidHex();
  private final MemoryBackbone backbone = MemoryBackbone.named(uri);
  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private final AtomicInteger probedClosed = new AtomicInteger();
  private final AtomicInteger probedOpen = new AtomicInteger();
  private final AtomicInteger accepted = new AtomicInteger();
  private final int port;
  private volatile ServerSocket listener;

  BackboneReturnProbeTest() throws IOException {
    listener = listen(0);
    port = listener.getLocalPort();
    listener.close();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : cleanup) {
      c.close();
    }
    closePort();
    backbone.restore();
  }

  private static ServerSocket listen(int port) throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.setReuseAddress(true);
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    return socket;
  }

  /** Opens the backbone's port: it accepts every connection and closes it, as a server that refuses would. */
  private void openPort() throws IOException {
    ServerSocket socket = listen(port);
    listener = socket;
    Thread.ofVirtual().start(() -> {
      while (!socket.isClosed()) {
        try {
          socket.accept().close();
          accepted.incrementAndGet();
        } catch (IOException closed) {
          return;
        }
      }
    });
  }

  private void closePort() throws IOException {
    listener.close();
  }

  /** The memory backbone, reported as dialling the test's loopback port. */
  private final class BackboneOnAPort implements BroadcasterFactory {
    private final MemoryBroadcasterFactory memory = new MemoryBroadcasterFactory();

    @Override
    public Set<String> schemes() {
      return memory.schemes();
    }

    @Override
    public Broadcaster create(BroadcastSettings settings, BroadcastListener listener) {
      return memory.create(settings, listener);
    }

    @Override
    public List<InetSocketAddress> socketAddresses(BroadcastSettings settings) {
      return List.of(InetSocketAddress.createUnresolved("127.0.0.1", port));
    }
  }

  private BackboneSupervisor worker(Duration backoff) {
    ResilienceSettings settings = new ResilienceSettings(true, 0, backoff, backoff, 100, 1 << 20, true,
        Duration.ofMillis(50), Duration.ofMillis(50), true, Duration.ofSeconds(60), Duration.ZERO, Duration.ofSeconds(30),
        false, PROBE_INTERVAL);
    ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
    Hub hub = new Hub(new TopicRegistry());
    ResyncCoordinator resync = new ResyncCoordinator(hub::sessions, loop, settings.resyncSpread(), Integer.MAX_VALUE,
        () -> 0.5);
    BackboneOnAPort factory = new BackboneOnAPort();
    BroadcastSettings broadcast = new BroadcastSettings(URI.create(uri), "EventNotifier", Ids.secureUuidHex(), Map.of());
    PortProbe probe = new PortProbe(factory.socketAddresses(broadcast), Duration.ofSeconds(1));
    BackboneSupervisor supervisor = new BackboneSupervisor(factory, broadcast, settings, hub, resync, reason -> { },
        loop, new Backoff(backoff, backoff, () -> 0.5), Clock.systemUTC(), () -> countedProbe(probe));
    hub.attachBackbone(supervisor);
    cleanup.add(() -> {
      supervisor.close();
      loop.shutdownNow();
    });
    return supervisor;
  }

  private CompletableFuture<Optional<String>> countedProbe(PortProbe probe) {
    return probe.anyAccepts().whenComplete((open, error) ->
        (open != null && open.isPresent() ? probedOpen : probedClosed).incrementAndGet());
  }

  private static boolean subscribed(BackboneSupervisor supervisor) {
    return supervisor.state() == BackboneState.CONNECTED || supervisor.state() == BackboneState.RECOVERING;
  }

  @Test
  void aWorkerRejoinsAsSoonAsTheBackbonesPortIsBackInsteadOfAtTheEndOfItsBackoff() throws Exception {
    BackboneSupervisor worker = worker(Duration.ofSeconds(20)); // the backoff would wait 15 s
    openPort();
    worker.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> worker.state() == BackboneState.CONNECTED);

    backbone.breakDown();
    closePort();
    await().atMost(Duration.ofSeconds(5)).until(() -> worker.state() == BackboneState.DISCONNECTED);
    await().atMost(Duration.ofSeconds(5)).until(() -> probedClosed.get() > 0);
    backbone.restore();
    openPort();
    long back = System.nanoTime();

    await().atMost(Duration.ofSeconds(5)).until(() -> subscribed(worker));
    assertThat(Duration.ofNanos(System.nanoTime() - back)).isLessThan(Duration.ofSeconds(2));
    assertThat(worker.status().reconnectAttempts()).as("the first join and the one brought forward").isEqualTo(2);
  }

  @Test
  void aPortThatAcceptsWhileTheBackboneRefusesLeavesTheAttemptsAtTheBackoffsPace() throws Exception {
    backbone.breakDown();
    openPort();
    Duration backoff = Duration.ofMillis(300); // every wait is 225 ms with the fixed jitter
    BackboneSupervisor worker = worker(backoff);
    long started = System.nanoTime();
    worker.start();

    await().atMost(Duration.ofSeconds(10)).until(() -> worker.status().reconnectAttempts() >= 6);
    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
    // five waits of 225 ms; with probes every 20 ms bringing attempts forward this would be ~0.1 s
    assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(5 * 225));
    // the open port is probed at most once per wait, not every 20 ms
    assertThat(probedOpen.get()).isLessThanOrEqualTo((int) worker.status().reconnectAttempts() + 1);
    assertThat(accepted.get()).isLessThanOrEqualTo((int) worker.status().reconnectAttempts() + 1);
  }
}
