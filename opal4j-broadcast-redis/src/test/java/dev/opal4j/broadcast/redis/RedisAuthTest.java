package dev.opal4j.broadcast.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.Broadcasters;
import dev.opal4j.testkit.RedisServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
  private static RedisServer server;
  private final List<Broadcaster> opened = new ArrayList<>();

  @BeforeAll
  static void startRedis() {
    server = RedisServer.builder().requirePass(PASSWORD).user(ACL_USER, ACL_PASSWORD).launch();
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
