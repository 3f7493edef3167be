package dev.opal4j.broadcast.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BackbonePosition;
import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.Broadcasters;
import dev.opal4j.broadcast.spi.ResumableBroadcaster;
import dev.opal4j.testkit.RedisServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class RedisAuthTest {
  private static final String PASSWORD = "s3cret/+pw";
  private static final String ACL_USER = "opal";
  private static final String ACL_PASSWORD = "acl-pa$$";
  /** What SECURITY.md says a stream backbone's user needs, and nothing more. */
  private static final String STREAM_USER = "streamer";
  private static final String STREAM_PASSWORD = "stream-pw";
  private static final String STREAM_RULES =
      "~EventNotifier resetchannels +eval +type +xinfo|groups +xinfo|stream +xgroup|create +xrange +xread +xadd";
  private static RedisServer server;
  private final List<Broadcaster> opened = new ArrayList<>();

  @BeforeAll
  static void startRedis() {
    server = RedisServer.builder().requirePass(PASSWORD).user(ACL_USER, ACL_PASSWORD)
        .user(STREAM_USER, STREAM_PASSWORD, STREAM_RULES)
        .user("elsewhere", "elsewhere-pw", "~other +@all")
        .launch();
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
  void aPasswordOnlyUriAuthenticatesAndDelivers() throws Exception {
    assertDelivers(server.uri("", PASSWORD));
  }

  @Test
  void theDefaultUserWithItsPasswordAuthenticatesAndDelivers() throws Exception {
    assertDelivers(server.uri("default", PASSWORD));
  }

  @Test
  void anAclUserWithItsPasswordAuthenticatesAndDelivers() throws Exception {
    assertDelivers(server.uri(ACL_USER, ACL_PASSWORD));
  }

  @Test
  void aWrongPasswordFailsClearlyWithoutShowingIt() throws Exception {
    Throwable failure = connectFailure(server.uri(ACL_USER, "not-the-Password-42"));

    assertThat(failure)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("redis://opal:***@127.0.0.1:" + server.port())
        .hasMessageContaining("authentication failed");
    for (Throwable t = failure; t != null; t = t.getCause()) {
      assertThat(String.valueOf(t.getMessage())).doesNotContain("not-the-Password-42");
    }
  }

  // Lettuce lost the server's answer in about one connect of ten; 50 tries catch that.
  @RepeatedTest(50)
  void aMissingPasswordFailsClearlyEveryTime() throws Exception {
    Throwable failure = connectFailure(server.uri(null, null));

    assertThat(failure)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("authentication failed");
  }

  @Test
  void aPasswordOnlyUriAuthenticatesAndDeliversOnAStream() throws Exception {
    assertDelivers(stream(server.uri("", PASSWORD)));
  }

  @Test
  void anAclUserWithOnlyTheDocumentedStreamPermissionsPublishesReadsAndResumes() throws Exception {
    URI uri = stream(server.uri(STREAM_USER, STREAM_PASSWORD));
    assertDelivers(uri);

    List<BackbonePosition> positions = new CopyOnWriteArrayList<>();
    RecordingListener later = new RecordingListener() {
      @Override
      public void onMessage(String message, BackbonePosition position) {
        positions.add(position);
        received.add(message);
      }
    };
    ResumableBroadcaster reader = (ResumableBroadcaster) create(uri, later);
    reader.connect();
    Broadcaster sender = create(uri, new RecordingListener());
    sender.connect();
    sender.publish("{\"n\":1}").get(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> positions.size() == 1);
    reader.close();
    sender.publish("{\"n\":2}").get(10, TimeUnit.SECONDS);

    RecordingListener resumedListener = new RecordingListener();
    ResumableBroadcaster resumed = (ResumableBroadcaster) create(uri, resumedListener);
    resumed.connect(positions.get(0));
    await().atMost(Duration.ofSeconds(10)).until(() -> resumedListener.received.contains("{\"n\":2}"));
  }

  @Test
  void aUserWithoutPermissionOnTheStreamKeyIsRefusedSayingWhereToLook() throws Exception {
    Throwable failure = connectFailure(stream(server.uri("elsewhere", "elsewhere-pw")));

    assertThat(failure)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("NOPERM")
        .hasMessageContaining("SECURITY.md");
  }

  @Test
  void aWrongPasswordOnAStreamFailsClearlyWithoutShowingIt() throws Exception {
    Throwable failure = connectFailure(stream(server.uri(STREAM_USER, "not-the-Password-43")));

    assertThat(failure)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("redis-stream://streamer:***@127.0.0.1:" + server.port())
        .hasMessageContaining("authentication failed");
    for (Throwable t = failure; t != null; t = t.getCause()) {
      assertThat(String.valueOf(t.getMessage())).doesNotContain("not-the-Password-43");
    }
  }

  private static URI stream(URI pubSub) {
    return URI.create(pubSub.toString().replaceFirst("^redis://", "redis-stream://"));
  }

  private Throwable connectFailure(URI uri) throws Exception {
    Broadcaster broadcaster = create(uri, new RecordingListener());
    return catchThrowable(broadcaster::connect);
  }

  private void assertDelivers(URI uri) throws Exception {
    RecordingListener a = new RecordingListener();
    RecordingListener b = new RecordingListener();
    Broadcaster sender = create(uri, a);
    Broadcaster receiver = create(uri, b);
    sender.connect();
    receiver.connect();

    sender.publish("{\"auth\":\"ok\"}").get(10, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(10)).until(() -> b.received.contains("{\"auth\":\"ok\"}"));
  }

  private Broadcaster create(URI uri, RecordingListener listener) throws Exception {
    BroadcastSettings settings = new BroadcastSettings(uri, "EventNotifier", "i", Map.of());
    Broadcaster broadcaster = Broadcasters.discover().factoryFor(settings).create(settings, listener);
    opened.add(broadcaster);
    return broadcaster;
  }
}
