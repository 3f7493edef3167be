package dev.opal4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BackbonePosition;
import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.Broadcasters;
import dev.opal4j.broadcast.spi.PositionUnavailableException;
import dev.opal4j.broadcast.spi.ResumableBroadcaster;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ResumableBroadcaster} must do, against the real server software: positions with
 * every message, a resume that delivers exactly what was published after the position (in order,
 * then live messages), {@link BroadcastListener#onCaughtUp()} after the last missed message, and
 * {@link PositionUnavailableException} (before delivering anything) when the log no longer holds
 * the position (an unreachable backbone stays a {@link
 * dev.opal4j.broadcast.spi.BackboneUnavailableException}, as {@link BroadcasterContract} checks). A
 * backend's test extends this class (or nests it beside its {@link BroadcasterContract}, sharing the
 * server) and says how to make its log lose messages.
 */
public abstract class ResumableBroadcasterContract {
  private static final Duration DELIVERY = Duration.ofSeconds(20);
  private final List<Broadcaster> opened = new ArrayList<>();

  /** The running backbone for this test class (started once, shared by the tests). */
  protected abstract BackboneFixture backbone();

  /**
   * Makes the backbone delete every message published so far on the channel, as retention does
   * when it expires (the log itself stays, and takes later messages).
   */
  protected abstract void expireMessagesPublishedSoFar(String channel) throws Exception;

  /** Deletes the channel's log (topic, stream) and lets it be created again, empty. */
  protected abstract void recreateLog(String channel) throws Exception;

  @AfterEach
  void closeBroadcasters() {
    opened.forEach(Broadcaster::close);
    opened.clear();
  }

  @Test
  void everyMessageComesWithAPosition() throws Exception {
    String channel = uniqueChannel();
    Recorder publisher = connected(channel);
    Recorder reader = connected(channel);
    publisher.publish("{\"n\":1}");
    await().atMost(DELIVERY).until(() -> reader.received.size() == 1);
    assertThat(reader.positions).hasSize(1).doesNotContainNull();
  }

  @Test
  void aResumeDeliversWhatWasPublishedAfterThePositionInOrderThenCatchesUpThenLiveMessages() throws Exception {
    String channel = uniqueChannel();
    Recorder publisher = connected(channel);
    Recorder first = connected(channel);
    publisher.publish("{\"n\":0}");
    publisher.publish("{\"n\":1}");
    await().atMost(DELIVERY).until(() -> first.received.size() == 2);
    BackbonePosition position = first.positions.get(1);
    first.broadcaster.close();
    for (int i = 2; i <= 4; i++) {
      publisher.publish("{\"n\":" + i + "}");
    }

    Recorder resumed = recorder(backbone().uri(), channel);
    resumed.resumable().connect(position);
    await().atMost(DELIVERY).until(() -> resumed.caughtUpAfter.get() >= 0);
    assertThat(resumed.received).containsExactly("{\"n\":2}", "{\"n\":3}", "{\"n\":4}");
    assertThat(resumed.caughtUpAfter.get()).as("caught up after the last missed message").isEqualTo(3);
    publisher.publish("{\"n\":5}");
    await().atMost(DELIVERY).until(() -> resumed.received.size() == 4);
    assertThat(resumed.received).last().isEqualTo("{\"n\":5}");
    assertThat(resumed.caughtUps.get()).isEqualTo(1);
  }

  @Test
  void resumingFromTheLastPositionWithNothingNewCatchesUpAtOnceAndDeliversNothingTwice() throws Exception {
    String channel = uniqueChannel();
    Recorder publisher = connected(channel);
    Recorder first = connected(channel);
    publisher.publish("{\"n\":0}");
    await().atMost(DELIVERY).until(() -> first.received.size() == 1);
    first.broadcaster.close();

    Recorder resumed = recorder(backbone().uri(), channel);
    resumed.resumable().connect(first.positions.get(0));
    await().atMost(DELIVERY).until(() -> resumed.caughtUpAfter.get() == 0);
    publisher.publish("{\"n\":1}");
    await().atMost(DELIVERY).until(() -> resumed.received.size() == 1);
    assertThat(resumed.received).containsExactly("{\"n\":1}");
  }

  @Test
  void aBroadcasterThatHeardNothingCanResumeFromWhereItSubscribed() throws Exception {
    String channel = uniqueChannel();
    Recorder publisher = connected(channel);
    Recorder quiet = connected(channel);
    Assumptions.assumeTrue(quiet.resumable().startPosition().isPresent(),
        "this backend does not know where a subscription starts");
    BackbonePosition start = quiet.resumable().startPosition().get();
    quiet.broadcaster.close();
    publisher.publish("{\"n\":\"missed\"}");

    Recorder resumed = recorder(backbone().uri(), channel);
    resumed.resumable().connect(start);
    await().atMost(DELIVERY).until(() -> resumed.received.size() == 1);
    assertThat(resumed.received).containsExactly("{\"n\":\"missed\"}");
  }

  @Test
  void aPositionWhoseMessagesRetentionDeletedIsUnavailableAndNothingIsDelivered() throws Exception {
    String channel = uniqueChannel();
    Recorder publisher = connected(channel);
    Recorder first = connected(channel);
    publisher.publish("{\"n\":0}");
    await().atMost(DELIVERY).until(() -> first.received.size() == 1);
    first.broadcaster.close();
    publisher.publish("{\"n\":\"missed\"}");
    expireMessagesPublishedSoFar(channel);
    publisher.publish("{\"n\":\"kept\"}");

    Recorder resumed = recorder(backbone().uri(), channel);
    assertThatThrownBy(() -> resumed.resumable().connect(first.positions.get(0)))
        .isInstanceOf(PositionUnavailableException.class);
    assertThat(resumed.received).isEmpty();
  }

  @Test
  void aPositionInALogThatWasDeletedAndCreatedAgainIsUnavailable() throws Exception {
    String channel = uniqueChannel();
    Recorder publisher = connected(channel);
    Recorder first = connected(channel);
    publisher.publish("{\"n\":0}");
    await().atMost(DELIVERY).until(() -> first.received.size() == 1);
    first.broadcaster.close();
    publisher.broadcaster.close();
    recreateLog(channel);
    Recorder again = connected(channel);
    for (int i = 0; i < 3; i++) {
      again.publish("{\"n\":\"new-" + i + "\"}");
    }

    Recorder resumed = recorder(backbone().uri(), channel);
    assertThatThrownBy(() -> resumed.resumable().connect(first.positions.get(0)))
        .isInstanceOf(PositionUnavailableException.class);
    assertThat(resumed.received).isEmpty();
  }

  @Test
  void anUnreadablePositionIsUnavailable() {
    Recorder resumed = recorder(backbone().uri(), uniqueChannel());
    assertThatThrownBy(() -> resumed.resumable().connect(new BackbonePosition("not-a-position")))
        .isInstanceOf(PositionUnavailableException.class);
  }

  protected Recorder connected(String channel) throws Exception {
    Recorder recorder = recorder(backbone().uri(), channel);
    recorder.broadcaster.connect();
    return recorder;
  }

  private Recorder recorder(URI uri, String channel) {
    return new Recorder(uri, channel);
  }

  protected static String uniqueChannel() {
    return "EventNotifier_" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** One broadcaster and what it heard, with positions. */
  protected final class Recorder implements BroadcastListener {
    public final List<String> received = new CopyOnWriteArrayList<>();
    public final List<BackbonePosition> positions = new CopyOnWriteArrayList<>();
    /** How many messages had arrived when onCaughtUp was called (-1: not yet). */
    public final AtomicInteger caughtUpAfter = new AtomicInteger(-1);
    public final AtomicInteger caughtUps = new AtomicInteger();
    public final Broadcaster broadcaster;

    Recorder(URI uri, String channel) {
      BroadcastSettings settings = new BroadcastSettings(uri, channel, UUID.randomUUID().toString(), Map.of());
      try {
        broadcaster = Broadcasters.discover().factoryFor(settings).create(settings, this);
      } catch (BroadcastConfigurationException e) {
        throw new IllegalStateException(e);
      }
      opened.add(broadcaster);
    }

    public ResumableBroadcaster resumable() {
      assertThat(broadcaster).isInstanceOf(ResumableBroadcaster.class);
      return (ResumableBroadcaster) broadcaster;
    }

    public void publish(String message) throws Exception {
      broadcaster.publish(message).get(20, TimeUnit.SECONDS);
    }

    @Override
    public void onMessage(String message) {
      received.add(message);
      positions.add(null);
    }

    @Override
    public void onMessage(String message, BackbonePosition position) {
      received.add(message);
      positions.add(position);
    }

    @Override
    public void onCaughtUp() {
      caughtUps.incrementAndGet();
      caughtUpAfter.compareAndSet(-1, received.size());
    }

    @Override
    public void onConnectionLost(Throwable cause) {}
  }
}
