package dev.opal4j.broadcast.redis;

import static dev.opal4j.broadcast.redis.RedisStreamBroadcasterContractTest.onServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BackbonePosition;
import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.Broadcasters;
import dev.opal4j.broadcast.spi.PositionUnavailableException;
import dev.opal4j.broadcast.spi.ResumableBroadcaster;
import dev.opal4j.testkit.RedisServer;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the stream backbone does beyond the shared contracts: how it recognises a stream that is not
 * the one a position was taken in, a reader that fell behind the trimming, and what it leaves in
 * Redis.
 */
class RedisStreamBroadcasterTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static RedisServer server;
  private final List<Broadcaster> opened = new ArrayList<>();

  @BeforeAll
  static void startRedis() {
    // Small stream nodes, so that MAXLEN ~ trims at a few entries instead of a hundred.
    server = RedisServer.builder().streams().config("stream-node-max-entries", "2").launch();
  }

  @AfterAll
  static void stopRedis() {
    if (server != null) {
      server.close();
    }
  }

  @AfterEach
  void closeBroadcasters() {
    opened.forEach(Broadcaster::close);
    opened.clear();
  }

  @Test
  void messagesAreStreamEntriesWithAMessageFieldAndTheStreamCarriesItsEpochGroup() throws Exception {
    String channel = uniqueChannel();
    Recorder publisher = connected(server.uri(), channel);
    publisher.publish("{\"n\":1}");

    onServer(server, redis -> {
      List<StreamMessage<String, String>> entries = redis.xrange(channel, io.lettuce.core.Range.create("-", "+"));
      assertThat(entries).singleElement().satisfies(e -> assertThat(e.getBody()).containsExactly(
          Map.entry("message", "{\"n\":1}")));
      assertThat(redis.xinfoGroups(channel)).hasSize(1);
      assertThat(String.valueOf(redis.xinfoGroups(channel).get(0))).contains("opal4j-epoch-");
    });
  }

  @Test
  void publishingTrimsTheStreamToAboutMaxlenEntries() throws Exception {
    String channel = uniqueChannel();
    // Its own reader keeps up (it must lag by fewer than maxlen entries, or it reports a loss).
    Recorder publisher = connected(URI.create(server.uri() + "?maxlen=10"), channel);
    for (int i = 0; i < 60; i++) {
      publisher.publish("{\"n\":" + i + "}");
    }

    onServer(server, redis -> assertThat(redis.xlen(channel)).isBetween(10L, 12L));
  }

  /**
   * The new stream even reuses the old ids, so nothing but its epoch tells it from the old one (a
   * check of ids alone would resume into it).
   */
  @Test
  void aStreamRecreatedByAnotherClientWithTheSameIdsIsNotMistakenForTheOldOne() throws Exception {
    String channel = uniqueChannel();
    Recorder publisher = connected(server.uri(), channel);
    Recorder first = connected(server.uri(), channel);
    publisher.publish("{\"n\":0}");
    await().atMost(WAIT).until(() -> first.received.size() == 1);
    first.broadcaster.close();
    publisher.broadcaster.close();
    String id = entryId(first.positions.get(0));
    onServer(server, redis -> {
      redis.del(channel);
      redis.xadd(channel, new XAddArgs().id(id), Map.of("message", "{\"n\":\"old id, new stream\"}"));
      redis.xadd(channel, Map.of("message", "{\"n\":\"new\"}"));
    });

    Recorder resumed = recorder(server.uri(), channel);
    assertThatThrownBy(() -> resumed.resumable().connect(first.positions.get(0)))
        .isInstanceOf(PositionUnavailableException.class)
        .hasMessageContaining("deleted and created again");
    assertThat(resumed.received).isEmpty();
  }

  @Test
  void anEntryDeletedAfterThePositionMakesItUnavailable() throws Exception {
    String channel = uniqueChannel();
    Recorder publisher = connected(server.uri(), channel);
    Recorder first = connected(server.uri(), channel);
    publisher.publish("{\"n\":0}");
    await().atMost(WAIT).until(() -> first.received.size() == 1);
    first.broadcaster.close();
    publisher.publish("{\"n\":\"deleted\"}");
    publisher.publish("{\"n\":\"kept\"}");
    onServer(server, redis -> {
      StreamMessage<String, String> deleted = redis.xrange(channel, io.lettuce.core.Range.create("-", "+")).stream()
          .filter(e -> "{\"n\":\"deleted\"}".equals(e.getBody().get("message"))).findFirst().orElseThrow();
      redis.xdel(channel, deleted.getId());
    });

    Recorder resumed = recorder(server.uri(), channel);
    assertThatThrownBy(() -> resumed.resumable().connect(first.positions.get(0)))
        .isInstanceOf(PositionUnavailableException.class)
        .hasMessageContaining("were deleted");
  }

  @Test
  void aPositionBeyondTheEndOfTheStreamIsUnavailable() throws Exception {
    String channel = uniqueChannel();
    Recorder publisher = connected(server.uri(), channel);
    BackbonePosition start = publisher.resumable().startPosition().orElseThrow();
    String epoch = start.value().split(":")[1];

    Recorder resumed = recorder(server.uri(), channel);
    assertThatThrownBy(() -> resumed.resumable().connect(new BackbonePosition(
        "redis-stream:" + epoch + ":99999999999999-0")))
        .isInstanceOf(PositionUnavailableException.class)
        .hasMessageContaining("ends at");
  }

  /**
   * A reader whose listener is slow while the stream is trimmed past what it has not read yet must
   * not skip those messages as a plain {@code XREAD} from its last id would: it reports the
   * subscription lost, and resuming from its position is then impossible.
   */
  @Test
  void aReaderThatFellBehindTheTrimmingReportsTheSubscriptionLostInsteadOfSkipping() throws Exception {
    String channel = uniqueChannel();
    CountDownLatch release = new CountDownLatch(1);
    Recorder slow = recorder(server.uri(), channel);
    slow.blockOn = release;
    slow.broadcaster.connect();
    // Another client publishes, as a peer would, into a stream it keeps short.
    XAddArgs shortStream = XAddArgs.Builder.maxlen(2).approximateTrimming();
    onServer(server, redis -> redis.xadd(channel, shortStream, Map.of("message", "{\"n\":0}")));
    await().atMost(WAIT).until(() -> slow.received.size() == 1); // and now blocked in the listener
    onServer(server, redis -> {
      for (int i = 1; i <= 20; i++) {
        redis.xadd(channel, shortStream, Map.of("message", "{\"n\":" + i + "}"));
      }
    });

    release.countDown();

    await().atMost(WAIT).until(() -> slow.lost.get() != null);
    assertThat(slow.lost.get()).hasMessageContaining("no longer holds entry");
    assertThat(slow.received).containsExactly("{\"n\":0}");
    Recorder resumed = recorder(server.uri(), channel);
    assertThatThrownBy(() -> resumed.resumable().connect(slow.positions.get(0)))
        .isInstanceOf(PositionUnavailableException.class);
  }

  @Test
  void aStreamDeletedWhileConnectedIsReportedAsALostSubscription() throws Exception {
    String channel = uniqueChannel();
    Recorder reader = connected(server.uri(), channel);

    onServer(server, redis -> redis.del(channel));
    Recorder publisher = connected(server.uri(), channel); // creates the stream again, with a new epoch
    publisher.publish("{\"n\":\"after\"}");

    await().atMost(WAIT).until(() -> reader.lost.get() != null);
    assertThat(reader.lost.get()).hasMessageContaining("deleted and created again");
    assertThat(reader.received).isEmpty();
  }

  @Test
  void entriesWithoutAMessageFieldAreSkippedButPassed() throws Exception {
    String channel = uniqueChannel();
    Recorder reader = connected(server.uri(), channel);
    Recorder publisher = connected(server.uri(), channel);

    onServer(server, redis -> redis.xadd(channel, Map.of("other", "tool")));
    publisher.publish("{\"n\":1}");

    await().atMost(WAIT).until(() -> reader.received.size() == 1);
    assertThat(reader.received).containsExactly("{\"n\":1}");
  }

  @Test
  void aKeyThatIsNotAStreamFailsTheConnectionNamingIt() {
    String channel = uniqueChannel();
    onServer(server, redis -> redis.set(channel, "something else"));

    Recorder recorder = recorder(server.uri(), channel);
    assertThatThrownBy(recorder.broadcaster::connect)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("the key " + channel + " holds a string, not a stream");
  }

  @Test
  void theStreamLivesInTheUrisDatabase() throws Exception {
    String channel = uniqueChannel();
    Recorder inDb3 = connected(URI.create(server.uri() + "/3"), channel);
    Recorder inDb0 = connected(server.uri(), channel);

    inDb3.publish("{\"db\":3}");

    await().atMost(WAIT).until(() -> inDb3.received.size() == 1);
    assertThat(inDb0.received).isEmpty();
    onServer(server, redis -> assertThat(redis.xlen(channel)).as("db 0's stream holds nothing").isZero());
  }

  private static String entryId(BackbonePosition position) {
    return position.value().substring(position.value().lastIndexOf(':') + 1);
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

  /** One broadcaster and what it heard, with positions; it can be told to block in its listener. */
  private static final class Recorder implements BroadcastListener {
    final List<String> received = new CopyOnWriteArrayList<>();
    final List<BackbonePosition> positions = new CopyOnWriteArrayList<>();
    final AtomicReference<Throwable> lost = new AtomicReference<>();
    final Broadcaster broadcaster;
    volatile CountDownLatch blockOn;

    Recorder(URI uri, String channel) {
      BroadcastSettings settings = new BroadcastSettings(uri, channel, UUID.randomUUID().toString(), Map.of());
      try {
        broadcaster = Broadcasters.discover().factoryFor(settings).create(settings, this);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    ResumableBroadcaster resumable() {
      return (ResumableBroadcaster) broadcaster;
    }

    void publish(String message) throws Exception {
      broadcaster.publish(message).get(10, TimeUnit.SECONDS);
    }

    @Override
    public void onMessage(String message) {
      throw new AssertionError("a stream broadcaster delivers every message with its position");
    }

    @Override
    public void onMessage(String message, BackbonePosition position) {
      received.add(message);
      positions.add(position);
      CountDownLatch latch = blockOn;
      if (latch != null) {
        try {
          latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public void onConnectionLost(Throwable cause) {
      lost.compareAndSet(null, cause);
    }
  }
}
