package dev.opal4j.broadcast.nats;

import static dev.opal4j.broadcast.nats.NatsJetStreamBroadcasterContractTest.manage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BackbonePosition;
import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.Broadcasters;
import dev.opal4j.broadcast.spi.MessageRejectedException;
import dev.opal4j.broadcast.spi.PositionUnavailableException;
import dev.opal4j.broadcast.spi.ResumableBroadcaster;
import dev.opal4j.testkit.NatsServer;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the JetStream mode does beyond the shared contracts: the stream it creates or accepts, its
 * company of core-NATS workers on the same subject, positions a stream no longer holds, and the
 * server's refusals.
 */
class NatsJetStreamBroadcasterTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String LEAST_CHANNEL = "EventNotifier_least";
  private static NatsServer server;
  private static NatsServer coreOnly;
  private final List<Broadcaster> opened = new ArrayList<>();

  @BeforeAll
  static void startNats() {
    server = NatsServer.builder().jetStreamBackbone()
        .user("opal", "opal-pw")
        .user("noapi", "noapi-pw", List.of("$JS.API.>"), List.of())
        .user("mute", "mute-pw", List.of("EventNotifier_mute"), List.of())
        // What SECURITY.md says the JetStream mode needs, and nothing more.
        .userAllowedOnly("least", "least-pw", List.of(LEAST_CHANNEL, "$JS.API.>", "$JS.FC.>"), List.of("_INBOX.>"))
        .launch();
    coreOnly = NatsServer.builder().jetStreamBackbone().withoutJetStream().launch();
  }

  @AfterAll
  static void stopNats() {
    for (NatsServer s : new NatsServer[] {server, coreOnly}) {
      if (s != null) {
        s.close();
      }
    }
  }

  @AfterEach
  void closeBroadcasters() {
    opened.forEach(Broadcaster::close);
    opened.clear();
  }

  @Test
  void theStreamIsCreatedOnTheChannelsSubjectWithTheUrisRetention() throws Exception {
    String channel = uniqueChannel();
    connected(uri("&max_msgs=500&max_bytes=2M&max_age=2h"), channel);

    StreamInfo info = streamInfo(channel);
    StreamConfiguration config = info.getConfiguration();
    assertThat(config.getName()).isEqualTo("opal4j_" + channel);
    assertThat(config.getSubjects()).containsExactly(channel);
    assertThat(config.getRetentionPolicy()).isEqualTo(RetentionPolicy.Limits);
    assertThat(config.getDiscardPolicy()).isEqualTo(DiscardPolicy.Old);
    assertThat(config.getStorageType()).isEqualTo(StorageType.File);
    assertThat(config.getMaxMsgs()).isEqualTo(500);
    assertThat(config.getMaxBytes()).isEqualTo(2L << 20);
    assertThat(config.getMaxAge()).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void publishingTrimsTheStreamToMaxMsgs() throws Exception {
    String channel = uniqueChannel();
    Recorder publisher = connected(uri("&max_msgs=5"), channel);
    for (int i = 0; i < 12; i++) {
      publisher.publish("{\"n\":" + i + "}");
    }

    assertThat(streamInfo(channel).getStreamState().getMsgCount()).isEqualTo(5);
  }

  /** A rolling change of mode: the stream captures core publishes, core workers hear JetStream's. */
  @Test
  void coreNatsWorkersOnTheSameSubjectHearJetStreamWorkersAndTheOtherWayRound() throws Exception {
    String channel = uniqueChannel();
    Recorder jetStream = connected(server.uri("opal", "opal-pw"), channel);
    Recorder core = connected(URI.create("nats://opal:opal-pw@127.0.0.1:" + server.port()), channel);

    jetStream.publish("{\"from\":\"jetstream\"}");
    core.publish("{\"from\":\"core\"}");

    await().atMost(WAIT).until(() -> core.received.size() == 2 && jetStream.received.size() == 2);
    assertThat(core.received).containsExactly("{\"from\":\"jetstream\"}", "{\"from\":\"core\"}");
    assertThat(jetStream.received).containsExactly("{\"from\":\"jetstream\"}", "{\"from\":\"core\"}");
    assertThat(jetStream.positions).doesNotContainNull();
  }

  @Test
  void anExistingStreamKeepsItsOwnLimits() throws Exception {
    String channel = uniqueChannel();
    manage(server, jsm -> jsm.addStream(StreamConfiguration.builder().name("opal4j_" + channel).subjects(channel)
        .storageType(StorageType.Memory).maxMessages(3).build()));

    Recorder publisher = connected(server.uri("opal", "opal-pw"), channel);
    for (int i = 0; i < 5; i++) {
      publisher.publish("{\"n\":" + i + "}");
    }

    StreamInfo info = streamInfo(channel);
    assertThat(info.getConfiguration().getMaxMsgs()).isEqualTo(3);
    assertThat(info.getStreamState().getMsgCount()).isEqualTo(3);
  }

  @Test
  void aStreamNamedInTheUriIsUsed() throws Exception {
    String channel = uniqueChannel();
    Recorder publisher = connected(uri("&stream=opal-fleet-" + channel.substring(14)), channel);
    publisher.publish("{\"n\":1}");

    manage(server, jsm -> assertThat(jsm.getStreamInfo("opal-fleet-" + channel.substring(14))
        .getStreamState().getMsgCount()).isEqualTo(1));
  }

  @Test
  void aWorkQueueStreamIsRefusedSayingWhy() throws Exception {
    String channel = uniqueChannel();
    manage(server, jsm -> jsm.addStream(StreamConfiguration.builder().name("opal4j_" + channel).subjects(channel)
        .retentionPolicy(RetentionPolicy.WorkQueue).storageType(StorageType.Memory).build()));

    Throwable failure = catchThrowable(recorder(server.uri("opal", "opal-pw"), channel).broadcaster::connect);

    assertThat(failure)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("opal4j_" + channel + " cannot carry the channel")
        .hasMessageContaining("retention is workqueue")
        .hasMessageContaining("delete it so that opal4j creates it");
  }

  @Test
  void aStreamThatCapturesOtherSubjectsTooIsRefusedSayingWhy() throws Exception {
    String channel = uniqueChannel();
    manage(server, jsm -> jsm.addStream(StreamConfiguration.builder().name("opal4j_" + channel)
        .subjects(channel, channel + ".other").storageType(StorageType.Memory).build()));

    Throwable failure = catchThrowable(recorder(server.uri("opal", "opal-pw"), channel).broadcaster::connect);

    assertThat(failure)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("captures the subjects")
        .hasMessageContaining("needs exactly '" + channel + "'");
  }

  @Test
  void anotherStreamOnTheSubjectIsNamedInTheError() throws Exception {
    String channel = uniqueChannel();
    manage(server, jsm -> jsm.addStream(StreamConfiguration.builder().name("someone-elses-" + channel.substring(14))
        .subjects(channel).storageType(StorageType.Memory).build()));

    Throwable failure = catchThrowable(recorder(server.uri("opal", "opal-pw"), channel).broadcaster::connect);

    assertThat(failure)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("another stream already captures subject '" + channel + "'");
  }

  @Test
  void aMessageDeletedFromTheMiddleAfterThePositionMakesItUnavailable() throws Exception {
    String channel = uniqueChannel();
    Recorder publisher = connected(server.uri("opal", "opal-pw"), channel);
    Recorder first = connected(server.uri("opal", "opal-pw"), channel);
    publisher.publish("{\"n\":0}");
    await().atMost(WAIT).until(() -> first.received.size() == 1);
    first.broadcaster.close();
    publisher.publish("{\"n\":\"deleted\"}");
    publisher.publish("{\"n\":\"kept\"}");
    manage(server, jsm -> jsm.deleteMessage("opal4j_" + channel, 2));

    Recorder resumed = recorder(server.uri("opal", "opal-pw"), channel);
    assertThatThrownBy(() -> resumed.resumable().connect(first.positions.get(0)))
        .isInstanceOf(PositionUnavailableException.class)
        .hasMessageContaining("message 2")
        .hasMessageContaining("was deleted");
    assertThat(resumed.received).isEmpty();
  }

  @Test
  void aPositionInAnotherStreamIsUnavailable() throws Exception {
    String channel = uniqueChannel();
    Recorder publisher = connected(server.uri("opal", "opal-pw"), channel);
    BackbonePosition start = publisher.resumable().startPosition().orElseThrow();

    Recorder elsewhere = recorder(uri("&stream=elsewhere-" + channel.substring(14)), channel);
    assertThatThrownBy(() -> elsewhere.resumable().connect(start))
        .isInstanceOf(PositionUnavailableException.class)
        .hasMessageContaining("the position is in JetStream stream opal4j_" + channel);
  }

  /**
   * The stream captures only the channel's subject, so a hole in the delivered sequence can only
   * mean messages removed before they were read; a sequence delivered again is dropped.
   */
  @Test
  void onlyTheNextSequenceIsDeliveredAnEarlierOneIsDroppedALaterOneIsAGap() {
    assertThat(JetStreamBroadcaster.next(7, 8)).isEqualTo(JetStreamBroadcaster.Step.NEXT);
    assertThat(JetStreamBroadcaster.next(0, 1)).isEqualTo(JetStreamBroadcaster.Step.NEXT);
    assertThat(JetStreamBroadcaster.next(7, 7)).isEqualTo(JetStreamBroadcaster.Step.ALREADY_HANDLED);
    assertThat(JetStreamBroadcaster.next(7, 3)).isEqualTo(JetStreamBroadcaster.Step.ALREADY_HANDLED);
    assertThat(JetStreamBroadcaster.next(7, 9)).isEqualTo(JetStreamBroadcaster.Step.GAP);
  }

  @Test
  void aServerWithoutJetStreamIsUnavailableSayingWhatToDo() {
    Throwable failure = catchThrowable(recorder(coreOnly.uri(), uniqueChannel()).broadcaster::connect);

    assertThat(failure)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("mode=jetstream needs JetStream")
        .hasMessageContaining("nats-server -js")
        .hasMessageContaining("drop mode=jetstream");
  }

  @Test
  void aUserWhoMayNotUseTheJetStreamApiIsToldWhereToLook() throws Exception {
    // Its requests go unanswered; a short round-trip timeout keeps the test quick.
    Throwable failure = catchThrowable(quick(server.uri("noapi", "noapi-pw"), uniqueChannel()).broadcaster::connect);

    assertThat(failure)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("Permissions Violation")
        .hasMessageContaining("SECURITY.md");
  }

  @Test
  void aUserWithOnlyTheDocumentedPermissionsCreatesPublishesReadsAndResumes() throws Exception {
    URI uri = server.uri("least", "least-pw");
    Recorder publisher = connected(uri, LEAST_CHANNEL);
    Recorder first = connected(uri, LEAST_CHANNEL);
    publisher.publish("{\"n\":1}");
    await().atMost(WAIT).until(() -> first.received.size() == 1);
    first.broadcaster.close();
    for (int i = 2; i <= 400; i++) { // 8 MB: the server asks for flow control (needs $JS.FC.>)
      publisher.publish("{\"n\":" + i + ",\"pad\":\"" + "x".repeat(20000) + "\"}");
    }

    Recorder resumed = recorder(uri, LEAST_CHANNEL);
    resumed.resumable().connect(first.positions.get(0));
    await().atMost(WAIT).until(() -> resumed.received.size() == 399);
    assertThat(resumed.lost.get()).isNull();
    assertThat(publisher.lost.get()).isNull();
  }

  @Test
  void aPublishTheServerRefusesIsRejectedNamingThePermissionAndTheConnectionStays() throws Exception {
    String channel = "EventNotifier_mute";
    Recorder mute = quick(server.uri("mute", "mute-pw"), channel);
    mute.broadcaster.connect();

    CompletableFuture<Void> refused = mute.broadcaster.publish("{\"from\":\"mute\"}");

    Throwable failure = catchThrowable(() -> refused.get(30, TimeUnit.SECONDS));
    assertThat(failure).isInstanceOf(ExecutionException.class);
    assertThat(failure.getCause())
        .isInstanceOf(MessageRejectedException.class)
        .hasMessageContaining("Permissions Violation for Publish")
        .hasMessageContaining("publish permission");
    assertThat(mute.lost.get()).isNull();
  }

  private static URI uri(String moreQuery) {
    return URI.create(server.uri("opal", "opal-pw") + moreQuery);
  }

  private static StreamInfo streamInfo(String channel) throws Exception {
    AtomicReference<StreamInfo> info = new AtomicReference<>();
    manage(server, jsm -> info.set(jsm.getStreamInfo("opal4j_" + channel)));
    return info.get();
  }

  /** A broadcaster that waits at most 2 s for the server's answers. */
  private Recorder quick(URI uri, String channel) throws Exception {
    NatsEndpoint endpoint = NatsEndpoint.parse(uri);
    Recorder recorder = new Recorder(listener -> new JetStreamBroadcaster(endpoint, channel,
        NatsNames.streamName(channel), "quick", listener, Duration.ofSeconds(2)));
    opened.add(recorder.broadcaster);
    return recorder;
  }

  private Recorder connected(URI uri, String channel) throws Exception {
    Recorder recorder = recorder(uri, channel);
    recorder.broadcaster.connect();
    return recorder;
  }

  private Recorder recorder(URI uri, String channel) {
    Recorder recorder = new Recorder(uri, channel);
    opened.add(recorder.broadcaster);
    return recorder;
  }

  private static String uniqueChannel() {
    return "EventNotifier_" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** One broadcaster and what it heard, with positions (null for a core NATS broadcaster's). */
  private static final class Recorder implements BroadcastListener {
    final List<String> received = new CopyOnWriteArrayList<>();
    final List<BackbonePosition> positions = new CopyOnWriteArrayList<>();
    final AtomicReference<Throwable> lost = new AtomicReference<>();
    final Broadcaster broadcaster;

    Recorder(URI uri, String channel) {
      BroadcastSettings settings = new BroadcastSettings(uri, channel, UUID.randomUUID().toString(), Map.of());
      try {
        broadcaster = Broadcasters.discover().factoryFor(settings).create(settings, this);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    Recorder(java.util.function.Function<BroadcastListener, Broadcaster> create) {
      broadcaster = create.apply(this);
    }

    ResumableBroadcaster resumable() {
      return (ResumableBroadcaster) broadcaster;
    }

    void publish(String message) throws Exception {
      broadcaster.publish(message).get(10, TimeUnit.SECONDS);
    }

    @Override
    public void onMessage(String message) {
      received.add(message);
    }

    @Override
    public void onMessage(String message, BackbonePosition position) {
      received.add(message);
      positions.add(position);
    }

    @Override
    public void onConnectionLost(Throwable cause) {
      lost.compareAndSet(null, cause);
    }
  }
}
