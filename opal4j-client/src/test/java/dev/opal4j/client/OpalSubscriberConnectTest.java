package dev.opal4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Connection failures that need no server. Against a real server: opal4j-it. */
class OpalSubscriberConnectTest {
  @Test
  void connectingToAClosedPortFailsAsUnreachable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    URI ws = URI.create("ws://127.0.0.1:" + port + "/ws");
    assertThatThrownBy(() -> OpalSubscriber.connect(ws, Optional.of("t"), List.of("policy_data"), (t, d) -> {}))
        .isInstanceOfSatisfying(OpalConnectException.class, e -> {
          assertThat(e.kind()).isEqualTo(OpalConnectException.Kind.UNREACHABLE);
          assertThat(e.httpStatus()).isEmpty();
          assertThat(e.getMessage()).isEqualTo("could not connect to " + ws + ": connection refused");
        });
  }

  @Test
  void rejectedHandshakesAreExplained() {
    assertThat("server refused the connection: HTTP 403" + OpalSubscriber.handshakeHint(403))
        .isEqualTo("server refused the connection: HTTP 403 (bad or missing token)");
    assertThat(OpalSubscriber.handshakeHint(404)).contains("/ws");
    assertThat(OpalSubscriber.handshakeHint(500)).isEmpty();
  }

  @Test
  void closeReasonsAreCutToTheProtocolLimitOnCodePointBoundaries() {
    String reason = "é".repeat(100);
    String cut = OpalSubscriber.truncateUtf8(reason, 123);
    assertThat(cut).hasSize(61);
    assertThat(OpalSubscriber.truncateUtf8("short", 123)).isEqualTo("short");
  }

  @Test
  void closeCodesTheJdkClientMayNotSendGoOutAsPolicyViolation() {
    assertThat(OpalSubscriber.wireCloseCode(1009)).isEqualTo(1008);
    assertThat(OpalSubscriber.wireCloseCode(1003)).isEqualTo(1008);
    assertThat(OpalSubscriber.wireCloseCode(1007)).isEqualTo(1008);
    assertThat(OpalSubscriber.wireCloseCode(1000)).isEqualTo(1000);
    assertThat(OpalSubscriber.wireCloseCode(1011)).isEqualTo(1011);
  }
}
