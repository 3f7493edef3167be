package dev.opal4j.broadcast.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.Broadcasters;
import dev.opal4j.broadcast.spi.MessageRejectedException;
import dev.opal4j.testkit.NatsServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * User/password and token authentication, and the server's permissions: a refused subscription
 * fails the connection attempt saying why, a refused publish is reported as rejected, never as sent.
 */
class NatsAuthTest {
  private static final String CHANNEL = "EventNotifier";
  private static NatsServer users;
  private static NatsServer tokenServer;
  private final List<Broadcaster> opened = new ArrayList<>();

  @BeforeAll
  static void startNats() {
    users = NatsServer.builder()
        .user("opal", "s3cret-pw")
        .user("mute", "mute-pw", List.of(CHANNEL), List.of())
        .user("deaf", "deaf-pw", List.of(), List.of(CHANNEL))
        .withoutJetStream()
        .launch();
    tokenServer = NatsServer.builder().token("t0ken-s3cret").withoutJetStream().launch();
  }

  @AfterAll
  static void stopNats() {
    for (NatsServer s : new NatsServer[] {users, tokenServer}) {
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
  void theRightUserAndPasswordDeliver() throws Exception {
    assertDelivers(users.uri("opal", "s3cret-pw"));
  }

  @Test
  void theRightTokenDelivers() throws Exception {
    assertDelivers(tokenServer.uri(null, "t0ken-s3cret"));
  }

  @Test
  void aWrongPasswordIsUnavailableWithAHintAndWithoutThePassword() {
    Throwable failure = catchThrowable(create(users.uri("opal", "wrong-pw"), new RecordingListener())::connect);

    assertThat(failure)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("nats://opal:***@127.0.0.1:" + users.port())
        .hasMessageContaining("authentication failed")
        .hasMessageNotContaining("wrong-pw");
  }

  @Test
  void aWrongTokenIsUnavailableWithoutTheToken() {
    Throwable failure = catchThrowable(create(tokenServer.uri(null, "not-the-t0ken"), new RecordingListener())::connect);

    assertThat(failure)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("nats://***@127.0.0.1:" + tokenServer.port())
        .hasMessageContaining("authentication failed")
        .hasMessageNotContaining("not-the-t0ken");
  }

  @Test
  void aUserWhoMayNotSubscribeToTheChannelCannotConnectAndIsToldWhy() {
    Throwable failure = catchThrowable(create(users.uri("deaf", "deaf-pw"), new RecordingListener())::connect);

    assertThat(failure)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("refused the subscription to subject 'EventNotifier'")
        .hasMessageContaining("Permissions Violation")
        .hasMessageContaining("subscribe permission");
  }

  @Test
  void aPublishTheServerRefusesIsRejectedNamingThePermissionAndNeverConfirmed() throws Exception {
    RecordingListener listener = new RecordingListener();
    Broadcaster mute = create(users.uri("mute", "mute-pw"), listener);
    mute.connect();

    CompletableFuture<Void> refused = mute.publish("{\"from\":\"mute\"}");

    Throwable failure = catchThrowable(() -> refused.get(10, TimeUnit.SECONDS));
    assertThat(failure).isInstanceOf(ExecutionException.class);
    assertThat(failure.getCause())
        .isInstanceOf(MessageRejectedException.class)
        .hasMessageContaining("Permissions Violation for Publish")
        .hasMessageContaining("publish permission");
    // The connection stays usable for what is allowed: hearing others.
    Broadcaster speaker = create(users.uri("opal", "s3cret-pw"), new RecordingListener());
    speaker.connect();
    speaker.publish("{\"from\":\"opal\"}").get(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> listener.received.contains("{\"from\":\"opal\"}"));
    assertThat(listener.received).doesNotContain("{\"from\":\"mute\"}");
    assertThat(listener.lost).isEmpty();
  }

  private void assertDelivers(URI uri) throws Exception {
    RecordingListener heard = new RecordingListener();
    Broadcaster sender = create(uri, new RecordingListener());
    Broadcaster receiver = create(uri, heard);
    sender.connect();
    receiver.connect();

    sender.publish("{\"authenticated\":true}").get(10, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(10)).until(() -> heard.received.contains("{\"authenticated\":true}"));
  }

  private Broadcaster create(URI uri, RecordingListener listener) {
    BroadcastSettings settings = new BroadcastSettings(uri, CHANNEL, "i", Map.of());
    try {
      Broadcaster broadcaster = Broadcasters.discover().factoryFor(settings).create(settings, listener);
      opened.add(broadcaster);
      return broadcaster;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
