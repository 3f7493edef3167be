package dev.opal4j.broadcast.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BackbonePosition;
import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.Broadcasters;
import dev.opal4j.testkit.NatsServer;
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
import org.junit.jupiter.api.Test;

/** tls:// speaks TLS and verifies the server: its certificate chain and the host name it names. */
class NatsTlsTest {
  private static NatsServer server;
  private final List<Broadcaster> opened = new ArrayList<>();

  @BeforeAll
  static void startNats() {
    server = NatsServer.builder().tls().user("opal", "tls-pw").launch();
  }

  @AfterAll
  static void stopNats() {
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
  void tlsWithTheServersCaConnectsAndDelivers() throws Exception {
    URI uri = URI.create(server.uri() + "?tlsca=" + server.tlsCertificate());
    assertThat(uri.getScheme()).isEqualTo("tls");
    RecordingListener heard = new RecordingListener();
    Broadcaster sender = create(uri, new RecordingListener());
    Broadcaster receiver = create(uri, heard);
    sender.connect();
    receiver.connect();

    sender.publish("{\"over\":\"tls\"}").get(10, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(10)).until(() -> heard.received.contains("{\"over\":\"tls\"}"));
  }

  @Test
  void theJetStreamModeConnectsOverTlsAndDeliversWithPositions() throws Exception {
    URI uri = URI.create(server.uri() + "?mode=jetstream&tlsca=" + server.tlsCertificate());
    List<BackbonePosition> positions = new CopyOnWriteArrayList<>();
    RecordingListener heard = new RecordingListener() {
      @Override
      public void onMessage(String message, BackbonePosition position) {
        positions.add(position);
      }
    };
    Broadcaster sender = create(uri, new RecordingListener());
    Broadcaster receiver = create(uri, heard);
    sender.connect();
    receiver.connect();

    sender.publish("{\"over\":\"tls\"}").get(10, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(10)).until(() -> positions.size() == 1);
    assertThat(positions.get(0).value()).startsWith("jetstream:opal4j_EventNotifier:");
  }

  @Test
  void anUntrustedServerCertificateIsRefusedByDefault() {
    Throwable failure = catchThrowable(create(server.uri(), new RecordingListener())::connect);

    assertThat(failure)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("tls://opal:***@127.0.0.1")
        .hasMessageContaining("certification path")
        .hasMessageNotContaining("tls-pw");
  }

  @Test
  void aTrustedCertificateForAnotherHostIsRefused() {
    // The certificate names 127.0.0.1 only; "localhost" reaches the same server under another name.
    URI otherName = URI.create(server.uri().toString().replace("127.0.0.1", "localhost") + "?tlsca="
        + server.tlsCertificate());

    Throwable failure = catchThrowable(create(otherName, new RecordingListener())::connect);

    assertThat(failure)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("No name matching localhost");
  }

  private Broadcaster create(URI uri, RecordingListener listener) {
    BroadcastSettings settings = new BroadcastSettings(uri, "EventNotifier", "i", Map.of());
    try {
      Broadcaster broadcaster = Broadcasters.discover().factoryFor(settings).create(settings, listener);
      opened.add(broadcaster);
      return broadcaster;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
