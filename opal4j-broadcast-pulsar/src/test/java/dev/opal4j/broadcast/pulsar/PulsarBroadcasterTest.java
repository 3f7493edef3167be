package dev.opal4j.broadcast.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.testkit.PeerProcess;
import dev.opal4j.testkit.pulsar.PulsarBroker;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pulsar-specific behaviour beyond the shared contract, against a real standalone: fan-out to every
 * process (where upstream's Shared subscription load-balances), and the wire format OPAL's Python
 * servers use.
 */
class PulsarBroadcasterTest {
  private static final Duration DELIVERY = Duration.ofSeconds(20);
  private static PulsarBroker pulsar;
  private static PulsarClient raw;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @BeforeAll
  static void startPulsar() throws Exception {
    pulsar = PulsarBroker.launch();
    raw = PulsarClient.builder().serviceUrl(pulsar.uri().toString()).build();
  }

  @AfterAll
  static void stopPulsar() throws Exception {
    if (raw != null) {
      raw.shutdown();
    }
    if (pulsar != null) {
      pulsar.close();
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : opened.reversed()) {
      c.close();
    }
  }

  @Test
  void everyServerProcessReceivesEveryMessage() throws Exception {
    String channel = channel();
    PeerProcess one = open(PeerProcess.start(pulsar.uri(), channel, "server-1", Map.of(), Duration.ofSeconds(60)));
    PeerProcess two = open(PeerProcess.start(pulsar.uri(), channel, "server-2", Map.of(), Duration.ofSeconds(60)));
    Recorder publisher = connect(channel);
    List<String> sent = publishNumbered(publisher, 20);

    await().atMost(DELIVERY).until(() -> one.received().size() >= 20 && two.received().size() >= 20);
    assertThat(one.received()).as("process 1" + one.output()).containsExactlyElementsOf(sent);
    assertThat(two.received()).as("process 2" + two.output()).containsExactlyElementsOf(sent);
  }

  /**
   * permit-broadcaster gives every server the same Shared subscription, {@code
   * broadcast_subscription}: Pulsar then hands each message to ONE of them. This test shows that
   * failure mode with two plain consumers, and that two opal4j broadcasters on the same topic each
   * get every message instead.
   */
  @Test
  void upstreamsSharedSubscriptionSplitsMessagesBetweenServersWhileOurBroadcastersEachGetAll() throws Exception {
    String channel = channel();
    String shared = "broadcast_subscription_" + UUID.randomUUID().toString().substring(0, 8);
    List<String> upstreamA = new CopyOnWriteArrayList<>();
    List<String> upstreamB = new CopyOnWriteArrayList<>();
    open(upstreamStyleConsumer(shared, channel, upstreamA));
    open(upstreamStyleConsumer(shared, channel, upstreamB));
    Recorder ours1 = connect(channel);
    Recorder ours2 = connect(channel);

    List<String> sent = publishNumbered(ours1, 20);

    await().atMost(DELIVERY).until(() -> upstreamA.size() + upstreamB.size() == 20
        && ours1.received.size() == 20 && ours2.received.size() == 20);
    // Upstream: load-balanced, so neither server sees all updates.
    assertThat(upstreamA).hasSizeLessThan(20);
    assertThat(upstreamB).hasSizeLessThan(20);
    assertThat(concat(upstreamA, upstreamB)).containsExactlyInAnyOrderElementsOf(sent);
    // opal4j: broadcast.
    assertThat(ours1.received).containsExactlyElementsOf(sent);
    assertThat(ours2.received).containsExactlyElementsOf(sent);
  }

  @Test
  void eachBroadcasterHasItsOwnNonDurableExclusiveSubscriptionThatGoesAwayWhenItCloses() throws Exception {
    String channel = channel();
    Recorder recorder = connect(channel);
    String subscription = ((PulsarBroadcaster) recorder.broadcaster).subscription();
    assertThat(subscription).startsWith("opal4j-" + recorder.instanceId + "-");

    String stats = pulsar.admin("/admin/v2/persistent/public/default/broadcast/stats");
    assertThat(stats).contains("\"" + subscription + "\"");
    String ours = stats.substring(stats.indexOf("\"" + subscription + "\""));
    assertThat(ours).contains("\"type\":\"Exclusive\"").contains("\"isDurable\":false");

    recorder.broadcaster.close();
    // No backlog is kept for a process that is gone.
    await().atMost(DELIVERY).until(() -> !pulsar.admin("/admin/v2/persistent/public/default/broadcast/stats")
        .contains("\"" + subscription + "\""));
  }

  @Test
  void messagesFromPythonServersAreTheChannelColonJsonAndOthersChannelsAreIgnored() throws Exception {
    String channel = channel();
    Recorder ours = connect(channel);
    try (Producer<byte[]> python = raw.newProducer(Schema.BYTES).topic("broadcast").create()) {
      python.send(utf8("EventNotifier_other:{\"data\":\"not ours\"}"));
      python.send(utf8("no colon at all"));
      // The JSON itself may contain ':'; only the first one separates the channel.
      python.send(utf8(channel + ":{\"data\":\"Zürich: 東京\"}"));
    }
    await().atMost(DELIVERY).until(() -> ours.received.size() == 1);
    assertThat(ours.received).containsExactly("{\"data\":\"Zürich: 東京\"}");
  }

  @Test
  void whatWePublishIsTheChannelColonJsonOnTheTopicBroadcastAsPythonServersReadIt() throws Exception {
    String channel = channel();
    try (Consumer<byte[]> python = raw.newConsumer(Schema.BYTES).topic("broadcast")
        .subscriptionName("broadcast_subscription_" + UUID.randomUUID())
        .subscriptionType(SubscriptionType.Shared)
        .subscriptionInitialPosition(SubscriptionInitialPosition.Latest).subscribe()) {
      Recorder ours = connect(channel);
      ours.broadcaster.publish("{\"data\":\"ä\"}").get(10, TimeUnit.SECONDS);

      Message<byte[]> message = python.receive(20, TimeUnit.SECONDS);
      assertThat(message).isNotNull();
      assertThat(message.getTopicName()).isEqualTo("persistent://public/default/broadcast");
      assertThat(new String(message.getData(), StandardCharsets.UTF_8)).isEqualTo(channel + ":{\"data\":\"ä\"}");
      python.unsubscribe();
    }
  }

  @Test
  void aNewSubscriberStartsAtTheEndAndDoesNotReplayOlderMessages() throws Exception {
    String channel = channel();
    Recorder early = connect(channel);
    early.broadcaster.publish("{\"n\":\"before\"}").get(10, TimeUnit.SECONDS);
    await().atMost(DELIVERY).until(() -> early.received.size() == 1);

    Recorder late = connect(channel);
    early.broadcaster.publish("{\"n\":\"after\"}").get(10, TimeUnit.SECONDS);

    await().atMost(DELIVERY).until(() -> late.received.size() == 1);
    assertThat(late.received).containsExactly("{\"n\":\"after\"}");
  }


  @Test
  void aChannelWithAColonIsRefusedBecauseReceiversSplitOnTheFirstColon() {
    BroadcastSettings settings = new BroadcastSettings(pulsar.uri(), "a:b", "id", Map.of());
    assertThatThrownBy(() -> new PulsarBroadcasterFactory().validate(settings))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("must not contain ':'");
  }

  @Test
  void onlyHostAndPortOfTheUriAreUsedWith6650AsTheDefaultPort() throws Exception {
    assertThat(PulsarBroadcasterFactory.serviceUrl(
        new BroadcastSettings(URI.create("pulsar://pulsar.example"), "EventNotifier", "id", Map.of())))
        .isEqualTo("pulsar://pulsar.example:6650");
    assertThat(PulsarBroadcasterFactory.serviceUrl(
        new BroadcastSettings(URI.create("pulsar://10.0.0.1:6651/ignored"), "EventNotifier", "id", Map.of())))
        .isEqualTo("pulsar://10.0.0.1:6651");
  }

  private Consumer<byte[]> upstreamStyleConsumer(String subscription, String channel, List<String> into)
      throws Exception {
    return raw.newConsumer(Schema.BYTES).topic("broadcast")
        .subscriptionName(subscription)
        .subscriptionType(SubscriptionType.Shared)
        .subscriptionInitialPosition(SubscriptionInitialPosition.Latest)
        .receiverQueueSize(1) // a small queue, so the broker spreads messages as it would between busy servers
        .messageListener((consumer, message) -> {
          String text = new String(message.getData(), StandardCharsets.UTF_8);
          if (text.startsWith(channel + ":")) {
            into.add(text.substring(channel.length() + 1));
          }
          consumer.acknowledgeAsync(message);
        })
        .subscribe();
  }

  private static List<String> publishNumbered(Recorder publisher, int count) throws Exception {
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      sent.add("{\"notifier_id\":\"p\",\"topics\":[\"policy_data\"],\"data\":" + i + "}");
      publisher.broadcaster.publish(sent.get(i)).get(10, TimeUnit.SECONDS);
    }
    return sent;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private Recorder connect(String channel) throws Exception {
    Recorder recorder = new Recorder(pulsar.uri(), channel);
    recorder.broadcaster.connect();
    return recorder;
  }

  private <T extends AutoCloseable> T open(T closeable) {
    opened.add(closeable);
    return closeable;
  }

  private static String channel() {
    return "EventNotifier_" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A broadcaster and what it heard. */
  final class Recorder implements BroadcastListener, AutoCloseable {
    final List<String> received = new CopyOnWriteArrayList<>();
    final String instanceId = UUID.randomUUID().toString();
    final dev.opal4j.broadcast.spi.Broadcaster broadcaster;

    Recorder(URI uri, String channel) {
      BroadcastSettings settings = new BroadcastSettings(uri, channel, instanceId, Map.of());
      try {
        broadcaster = new PulsarBroadcasterFactory().create(settings, this);
      } catch (BroadcastConfigurationException e) {
        throw new IllegalStateException(e);
      }
      open(this);
    }

    @Override
    public void onMessage(String message) {
      received.add(message);
    }

    @Override
    public void onConnectionLost(Throwable cause) {}

    @Override
    public void close() {
      broadcaster.close();
    }
  }
}
