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
import org.junit.jupiter.api.Test;

/** rediss:// speaks TLS (unlike OPAL's Python backbone, which ignores it) and verifies the peer. */
class RedisTlsTest {
  private static RedisServer server;
  private final List<Broadcaster> opened = new ArrayList<>();

  @BeforeAll
  static void startRedis() {
    server = RedisServer.builder().tls().requirePass("tls-pw").launch();
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
  void redissConnectsOverTlsAndDelivers() throws Exception {
    URI uri = URI.create(server.uri() + "?verifyPeer=NONE");
    assertThat(uri.getScheme()).isEqualTo("rediss");
    RecordingListener a = new RecordingListener();
    RecordingListener b = new RecordingListener();
    Broadcaster sender = create(uri, a);
    Broadcaster receiver = create(uri, b);
    sender.connect();
    receiver.connect();

    sender.publish("{\"over\":\"tls\"}").get(10, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(10)).until(() -> b.received.contains("{\"over\":\"tls\"}"));
  }

  @Test
  void redissStreamConnectsOverTlsAndDelivers() throws Exception {
    URI uri = URI.create(server.uri().toString().replaceFirst("^rediss://", "rediss-stream://") + "?verifyPeer=NONE");
    RecordingListener b = new RecordingListener();
    Broadcaster sender = create(uri, new RecordingListener());
    Broadcaster receiver = create(uri, b);
    sender.connect();
    receiver.connect();

    sender.publish("{\"stream\":\"over tls\"}").get(10, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(10)).until(() -> b.received.contains("{\"stream\":\"over tls\"}"));
  }

  @Test
  void anUntrustedServerCertificateIsRefusedOnAStreamToo() throws Exception {
    Broadcaster broadcaster =
        create(URI.create(server.uri().toString().replaceFirst("^rediss://", "rediss-stream://")), new RecordingListener());

    assertThat(catchThrowable(broadcaster::connect))
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("certification path");
  }

  @Test
  void anUntrustedServerCertificateIsRefusedByDefault() throws Exception {
    Broadcaster broadcaster = create(server.uri(), new RecordingListener());

    Throwable failure = catchThrowable(broadcaster::connect);

    assertThat(failure)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("rediss://:***@127.0.0.1")
        .hasMessageContaining("certification path")
        .hasMessageNotContaining("tls-pw");
  }

  private Broadcaster create(URI uri, RecordingListener listener) throws Exception {
    BroadcastSettings settings = new BroadcastSettings(uri, "EventNotifier", "i", Map.of());
    Broadcaster broadcaster = Broadcasters.discover().factoryFor(settings).create(settings, listener);
    opened.add(broadcaster);
    return broadcaster;
  }
}
