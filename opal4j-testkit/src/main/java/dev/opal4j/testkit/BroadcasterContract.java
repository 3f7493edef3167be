package dev.opal4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.Broadcasters;
import dev.opal4j.broadcast.spi.MessageRejectedException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every backbone must show, run against the real server software. A backend's test
 * extends this class and provides a started {@link BackboneFixture}.
 */
public abstract class BroadcasterContract {
  private static final Duration DELIVERY = Duration.ofSeconds(20);
  /** The longest connect timeout of a backend (10 s), with slack for a loaded machine. */
  private static final Duration CONNECT_TIMEOUT_WITH_SLACK = Duration.ofSeconds(15);
  private final List<Broadcaster> opened = new ArrayList<>();

  /** The running backbone for this test class (started once, shared by the tests). */
  protected abstract BackboneFixture backbone();

  /** How long the backend may take to notice that the server went away. */
  protected Duration lossDetection() {
    return Duration.ofSeconds(45);
  }

  /**
   * What the failure to reach an absent server says besides the server's address, for backends
   * whose clients only ever time out (e.g. "did not answer").
   */
  protected List<String> unreachableFailureSays() {
    return List.of();
  }

  @AfterEach
  void closeBroadcasters() {
    opened.forEach(Broadcaster::close);
    opened.clear();
  }

  /** A connected broadcaster on the fixture's backbone. */
  protected Peer connectedPeer(String channel) throws Exception {
    Peer peer = new Peer(backbone().uri(), channel);
    peer.broadcaster.connect();
    return peer;
  }

  @Test
  void everyPeerOnTheChannelReceivesEveryMessageIncludingTheSender() throws Exception {
    String channel = uniqueChannel();
    Peer a = connectedPeer(channel);
    Peer b = connectedPeer(channel);
    Peer c = connectedPeer(channel);

    a.broadcaster.publish("{\"notifier_id\":\"a\",\"topics\":[\"t\"],\"data\":1}").get(10, TimeUnit.SECONDS);

    for (Peer peer : List.of(a, b, c)) {
      await().atMost(DELIVERY).until(() -> peer.received.size() == 1);
      assertThat(peer.received).containsExactly("{\"notifier_id\":\"a\",\"topics\":[\"t\"],\"data\":1}");
    }
  }

  @Test
  void messagesOnOtherChannelsAreNotDelivered() throws Exception {
    Peer here = connectedPeer(uniqueChannel());
    Peer elsewhere = connectedPeer(uniqueChannel());

    elsewhere.broadcaster.publish("{\"data\":\"elsewhere\"}").get(10, TimeUnit.SECONDS);
    here.broadcaster.publish("{\"data\":\"here\"}").get(10, TimeUnit.SECONDS);

    await().atMost(DELIVERY).until(() -> here.received.contains("{\"data\":\"here\"}"));
    assertThat(here.received).containsExactly("{\"data\":\"here\"}");
  }

  @Test
  void messagesFromOnePublisherArriveInPublishOrder() throws Exception {
    String channel = uniqueChannel();
    Peer publisher = connectedPeer(channel);
    Peer receiver = connectedPeer(channel);
    int count = 300;
    List<CompletableFuture<Void>> sent = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      sent.add(publisher.broadcaster.publish("{\"n\":" + i + "}"));
    }
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

    await().atMost(DELIVERY).until(() -> receiver.received.size() == count);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      expected.add("{\"n\":" + i + "}");
    }
    assertThat(receiver.received).containsExactlyElementsOf(expected);
  }

  @Test
  void nonAsciiTextArrivesUnchanged() throws Exception {
    String channel = uniqueChannel();
    Peer a = connectedPeer(channel);
    Peer b = connectedPeer(channel);
    String message = "{\"data\":\"Zürich — 東京 — \\\"quoted\\\" — 🚀\"}";

    a.broadcaster.publish(message).get(10, TimeUnit.SECONDS);

    await().atMost(DELIVERY).until(() -> b.received.size() == 1);
    assertThat(b.received).containsExactly(message);
  }

  @Test
  void aMessageAtTheLimitIsDeliveredAndOneByteMoreIsRejectedNamingTheLimit() throws Exception {
    String channel = uniqueChannel();
    Peer a = connectedPeer(channel);
    Peer b = connectedPeer(channel);
    int limit = a.broadcaster.maxMessageBytes();
    int size = limit > 0 ? limit : 512 * 1024;
    String atLimit = messageOfBytes(size);

    a.broadcaster.publish(atLimit).get(20, TimeUnit.SECONDS);
    await().atMost(DELIVERY).until(() -> b.received.size() == 1);
    assertThat(b.received.get(0)).isEqualTo(atLimit);

    if (limit > 0) {
      CompletableFuture<Void> tooBig = a.broadcaster.publish(messageOfBytes(limit + 1));
      assertThatThrownBy(() -> tooBig.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(MessageRejectedException.class)
          .hasMessageContaining(String.valueOf(limit));
    }
  }

  /**
   * Connecting to a server that is not there fails as unavailable (the supervisor retries), says
   * which server, and within the backend's connect timeout: Kafka's and Pulsar's clients retry
   * until theirs (10 s) runs out, the others hear "connection refused" at once.
   */
  @Test
  void connectingToAnUnreachableBackboneFailsAsUnavailableNamingItWithinTheConnectTimeout() {
    URI unreachable = backbone().unreachableUri();
    Broadcaster broadcaster = new Peer(unreachable, uniqueChannel()).broadcaster;
    long start = System.nanoTime();
    List<String> says = new ArrayList<>(unreachableFailureSays());
    says.add(unreachable.getHost() + ":" + unreachable.getPort());
    assertThatThrownBy(broadcaster::connect)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContainingAll(says.toArray(String[]::new));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(CONNECT_TIMEOUT_WITH_SLACK);
  }

  /**
   * A worker waiting to reconnect probes these addresses to notice the backbone's return: they must
   * lead to the server, and an address where nothing listens must not look reachable.
   */
  @Test
  void theSocketAddressesItReportsLeadToTheServer() throws Exception {
    List<InetSocketAddress> addresses = socketAddresses(backbone().uri());
    assertThat(addresses).isNotEmpty();
    assertThat(addresses).anySatisfy(address -> assertThat(acceptsTcp(address)).as("%s accepts", address).isTrue());
    assertThat(socketAddresses(backbone().unreachableUri()))
        .isNotEmpty()
        .allSatisfy(address -> assertThat(acceptsTcp(address)).as("%s accepts", address).isFalse());
  }

  private static List<InetSocketAddress> socketAddresses(URI uri) throws BroadcastConfigurationException {
    BroadcastSettings settings = new BroadcastSettings(uri, uniqueChannel(), "x", Map.of());
    return Broadcasters.discover().factoryFor(settings).socketAddresses(settings);
  }

  private static boolean acceptsTcp(InetSocketAddress unresolved) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(unresolved.getHostString(), unresolved.getPort()), 5000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void anUnknownSchemeIsRefusedListingTheKnownSchemes() {
    BroadcastSettings settings =
        new BroadcastSettings(URI.create("nosuch://127.0.0.1:1"), "EventNotifier", "x", Map.of());
    String scheme = backbone().uri().getScheme();
    assertThatThrownBy(() -> Broadcasters.discover().factoryFor(settings))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("nosuch")
        .hasMessageContaining(scheme)
        .hasMessageContaining("memory");
  }

  @Test
  void lossIsReportedWhenTheServerStopsAndANewBroadcasterDeliversAfterItRestarts()
      throws Exception {
    String channel = uniqueChannel();
    Peer before = connectedPeer(channel);
    backbone().stop();
    try {
      // Some clients only notice a dead server when they next write; publishing must not hang.
      CompletableFuture<Void> duringOutage = before.broadcaster.publish("{\"during\":true}");
      await().atMost(lossDetection()).until(() -> before.lost.size() == 1 || duringOutage.isCompletedExceptionally());
      await().atMost(lossDetection()).until(() -> before.lost.size() == 1);
    } finally {
      backbone().start();
    }
    before.broadcaster.close();

    Peer a = connectedAfterRestart(channel);
    Peer b = connectedAfterRestart(channel);
    a.broadcaster.publish("{\"after\":true}").get(20, TimeUnit.SECONDS);
    await().atMost(DELIVERY).until(() -> b.received.contains("{\"after\":true}"));
  }

  private Peer connectedAfterRestart(String channel) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      Peer peer = new Peer(backbone().uri(), channel);
      try {
        peer.broadcaster.connect();
        return peer;
      } catch (BackboneUnavailableException e) {
        peer.broadcaster.close();
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(500);
      }
    }
  }

  /** A JSON message of exactly {@code bytes} UTF-8 bytes. */
  protected static String messageOfBytes(int bytes) {
    String prefix = "{\"data\":\"";
    String suffix = "\"}";
    return prefix + "x".repeat(bytes - prefix.length() - suffix.length()) + suffix;
  }

  protected static String uniqueChannel() {
    return "EventNotifier_" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** One broadcaster and what it heard. */
  protected final class Peer implements BroadcastListener {
    public final List<String> received = new CopyOnWriteArrayList<>();
    public final List<Throwable> lost = new CopyOnWriteArrayList<>();
    public final Broadcaster broadcaster;

    Peer(URI uri, String channel) {
      BroadcastSettings settings =
          new BroadcastSettings(uri, channel, UUID.randomUUID().toString(), Map.of());
      try {
        broadcaster = Broadcasters.discover().factoryFor(settings).create(settings, this);
      } catch (BroadcastConfigurationException e) {
        throw new IllegalStateException(e);
      }
      opened.add(broadcaster);
    }

    @Override
    public void onMessage(String message) {
      received.add(message);
    }

    @Override
    public void onConnectionLost(Throwable cause) {
      lost.add(cause);
    }
  }
}
