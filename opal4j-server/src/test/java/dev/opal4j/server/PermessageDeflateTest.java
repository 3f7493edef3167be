package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Json;
import dev.opal4j.testkit.ws.PythonWebSocket;
import dev.opal4j.testkit.ws.PythonWebSocket.Frame;
import dev.opal4j.testkit.ws.PythonWebSocket.Options;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * permessage-deflate as the real OPAL client uses it: its exact offer, every message it sends
 * compressed, and the inbound limit holding for the inflated size of single, fragmented and
 * parallel messages (decompression bombs).
 */
class PermessageDeflateTest {
  private static final int LIMIT = 1 << 20; // OPAL_WS_MAX_FRAME_BYTES' default
  private static RunningServer server;

  @BeforeAll
  static void start() throws Exception {
    server = RunningServer.start(Map.of());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static PythonWebSocket python() throws Exception {
    return PythonWebSocket.connect("127.0.0.1", server.port(), "/ws", Options.python());
  }

  private static String request(String method, String arguments, String callId) {
    return "{\"request\": {\"method\": \"" + method + "\", \"arguments\": " + arguments + ", \"call_id\": \""
        + callId + "\"}, \"response\": null}";
  }

  private static JsonNode call(PythonWebSocket ws, String method, String arguments) throws Exception {
    String id = "c" + System.nanoTime();
    ws.sendText(request(method, arguments, id));
    JsonNode answer = Json.parse(ws.readText());
    assertThat(answer.at("/response/call_id").asText()).isEqualTo(id);
    return answer;
  }

  @Test
  void thePythonClientsOfferIsAcceptedWithItsWindowBoundedTo512Bytes() throws Exception {
    try (PythonWebSocket ws = python()) {
      assertThat(ws.agreedExtension()).isEqualTo("permessage-deflate; client_max_window_bits=9");
    }
  }

  @Test
  void aClientThatOffersNoContextTakeoverGetsItAndIsServed() throws Exception {
    try (PythonWebSocket ws = PythonWebSocket.connect("127.0.0.1", server.port(), "/ws",
        Options.python().withOffer("permessage-deflate; server_no_context_takeover; client_no_context_takeover"))) {
      assertThat(ws.agreedExtension())
          .isEqualTo("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
      for (int i = 0; i < 3; i++) {
        assertThat(call(ws, "_ping_", "{}").at("/response/result").asText()).isEqualTo("pong");
      }
    }
  }

  @Test
  void messagesThatReferBackIntoEarlierOnesAreInflatedWithTheClientsContext() throws Exception {
    try (PythonWebSocket ws = python()) {
      String topic = "ctx-" + "0123456789abcdef".repeat(20); // 340 bytes: inside the 512-byte window
      for (int i = 0; i < 5; i++) {
        assertThat(call(ws, "subscribe", "{\"topics\": [\"" + topic + i + "\"]}").at("/response/result").asBoolean())
            .isTrue();
      }
    }
  }

  @Test
  void everyRpcMethodSentCompressedIsAnsweredAndAnswersComeUncompressed() throws Exception {
    try (PythonWebSocket subscriber = python(); PythonWebSocket publisher = python()) {
      for (int i = 0; i < 3; i++) { // the same text again: it would reuse the first's context if there were one
        assertThat(call(subscriber, "_ping_", "{}").at("/response/result").asText()).isEqualTo("pong");
      }
      assertThat(call(subscriber, "subscribe", "{\"topics\": [\"zipped\"]}").at("/response/result").asBoolean())
          .isTrue();
      JsonNode published = call(publisher, "publish",
          "{\"topics\": [\"zipped\"], \"data\": {\"v\": \"" + "x".repeat(5000) + "\"}, \"sync\": true, \"notifier_id\": null}");
      assertThat(published.at("/response/result").asBoolean()).isTrue();
      Frame notify = subscriber.readFrame();
      assertThat(notify.rsv()).isZero();
      assertThat(Json.parse(notify.text()).at("/request/arguments/data/v").asText()).hasSize(5000);
      assertThat(call(subscriber, "unsubscribe", "{\"topics\": [\"zipped\"]}").at("/response/result").asBoolean())
          .isTrue();
      server.post("/data/config", "{\"entries\": [{\"url\": \"\", \"topics\": [\"zipped\"]}]}");
      Frame answer;
      String id = "after-unsubscribe";
      subscriber.sendText(request("_ping_", "{}", id));
      answer = subscriber.readFrame();
      assertThat(answer.rsv()).isZero();
      assertThat(answer.text()).contains(id); // the update after unsubscribe did not come first
    }
  }

  @Test
  void aFragmentedCompressedMessageIsJoinedAndAnswered() throws Exception {
    try (PythonWebSocket ws = python()) {
      ws.sendText(request("subscribe", "{\"topics\": [\"" + "t".repeat(40_000) + "\"]}", "frag"), 7);
      assertThat(Json.parse(ws.readText()).at("/response/call_id").asText()).isEqualTo("frag");
    }
  }

  @Test
  void aCompressedPublishOverTheInboundLimitClosesWith1009() throws Exception {
    String twoMiB = "x".repeat(2 << 20);
    try (PythonWebSocket ws = python()) {
      ws.sendText(request("publish", "{\"topics\": [\"big\"], \"data\": \"" + twoMiB + "\", \"sync\": true}", "big"));
      Frame close = ws.awaitClose();
      assertThat(close).isNotNull();
      assertThat(close.closeCode()).isEqualTo(1009);
      assertThat(close.closeReason()).contains("inbound limit of " + LIMIT).contains("inflated");
    }
  }

  @Test
  void aFragmentedCompressedMessageOverTheLimitClosesWith1009() throws Exception {
    try (PythonWebSocket ws = python()) {
      ws.sendText(request("subscribe", "{\"topics\": [\"" + "t".repeat(LIMIT) + "\"]}", "frag-big"), 16);
      Frame close = ws.awaitClose();
      assertThat(close).isNotNull();
      assertThat(close.closeCode()).isEqualTo(1009);
    }
  }

  @Test
  void aDecompressionBombIsRefusedWith1009AndBystandersAreServed() throws Exception {
    byte[] bomb = PythonWebSocket.deflatedRepeats(200L << 20, (byte) 'a'); // 200 MiB inflated
    assertThat(bomb.length).isLessThan(LIMIT); // passes the wire-size limit: only inflation can stop it
    try (PythonWebSocket bystander = python()) {
      call(bystander, "subscribe", "{\"topics\": [\"still-served\"]}");
      int attackers = 8;
      ExecutorService pool = Executors.newFixedThreadPool(attackers);
      try {
        List<Future<Frame>> closes = new ArrayList<>();
        for (int i = 0; i < attackers; i++) {
          closes.add(pool.submit(() -> {
            try (PythonWebSocket attacker = python()) {
              attacker.sendFrame(true, 0b100, 0x1, bomb);
              return attacker.awaitClose();
            }
          }));
        }
        for (Future<Frame> close : closes) {
          Frame frame = close.get(30, TimeUnit.SECONDS);
          assertThat(frame).isNotNull();
          assertThat(frame.closeCode()).isEqualTo(1009);
        }
      } finally {
        pool.shutdownNow();
      }
      server.post("/data/config", "{\"entries\": [{\"url\": \"\", \"topics\": [\"still-served\"]}]}");
      assertThat(Json.parse(bystander.readText()).at("/request/method").asText()).isEqualTo("notify");
    }
  }

  @Test
  void aBombInFragmentsIsStoppedAtTheLimitToo() throws Exception {
    byte[] bomb = PythonWebSocket.deflatedRepeats(8L << 20, (byte) ' ');
    try (PythonWebSocket ws = python()) {
      int half = bomb.length / 2;
      ws.sendFrame(false, 0b100, 0x1, java.util.Arrays.copyOfRange(bomb, 0, half));
      ws.sendFrame(true, 0, 0x0, java.util.Arrays.copyOfRange(bomb, half, bomb.length));
      Frame close = ws.awaitClose();
      assertThat(close).isNotNull();
      assertThat(close.closeCode()).isEqualTo(1009);
    }
  }

  @Test
  void aClientThatIgnoresTheWindowBoundIsClosedWith1007() throws Exception {
    try (PythonWebSocket ws = PythonWebSocket.connect("127.0.0.1", server.port(), "/ws",
        Options.python().keepingContextAgainstTheServersAnswer())) {
      StringBuilder noise = new StringBuilder();
      java.util.Random random = new java.util.Random(7);
      while (noise.length() < 4000) {
        noise.append(Long.toHexString(random.nextLong()));
      }
      String subscribe = request("subscribe", "{\"topics\": [\"" + noise + "\"]}", "same-text-twice");
      ws.sendText(subscribe);
      assertThat(ws.readText()).contains("same-text-twice");
      ws.sendText(subscribe); // now compressed as back-references 4 KB into the first message
      Frame close = ws.awaitClose();
      assertThat(close).isNotNull();
      assertThat(close.closeCode()).isEqualTo(1007);
      assertThat(close.closeReason()).contains("could not be inflated");
    }
  }

  @Test
  void rsv1OnAContinuationOrControlFrameClosesWith1002() throws Exception {
    try (PythonWebSocket ws = python()) {
      ws.sendFrame(false, 0, 0x1, "{\"request\"".getBytes(StandardCharsets.UTF_8));
      ws.sendFrame(true, 0b100, 0x0, deflate(": null}"));
      Frame close = ws.awaitClose();
      assertThat(close.closeCode()).isEqualTo(1002);
      assertThat(close.closeReason()).contains("continuation");
    }
    try (PythonWebSocket ws = python()) {
      ws.sendFrame(true, 0b100, 0x9, new byte[0]);
      Frame close = ws.awaitClose();
      assertThat(close.closeCode()).isEqualTo(1002);
      assertThat(close.closeReason()).contains("control frame");
    }
  }

  @Test
  void anUncompressedMessageIsAcceptedAfterDeflateWasAgreed() throws Exception {
    try (PythonWebSocket ws = python()) {
      ws.sendFrame(true, 0, 0x1, request("_ping_", "{}", "plain").getBytes(StandardCharsets.UTF_8));
      assertThat(ws.readText()).contains("plain").contains("pong");
    }
  }

  @Test
  void withoutAnOfferAnRsv1FrameClosesWith1002() throws Exception {
    try (PythonWebSocket ws = PythonWebSocket.connect("127.0.0.1", server.port(), "/ws",
        Options.python().withOffer(null))) {
      assertThat(ws.agreedExtension()).isNull();
      ws.sendFrame(true, 0b100, 0x1, deflate(request("_ping_", "{}", "x")));
      Frame close = ws.awaitClose();
      assertThat(close.closeCode()).isEqualTo(1002);
      assertThat(close.closeReason()).contains("no extension was negotiated");
    }
  }

  @Test
  void anOperatorCanTurnDeflateOffAndThePythonClientStillWorks() throws Exception {
    try (RunningServer plain = RunningServer.start(Map.of("OPAL_WS_PERMESSAGE_DEFLATE", "false"));
        PythonWebSocket ws = PythonWebSocket.connect("127.0.0.1", plain.port(), "/ws", Options.python())) {
      assertThat(ws.agreedExtension()).isNull();
      assertThat(call(ws, "_ping_", "{}").at("/response/result").asText()).isEqualTo("pong");
    }
  }

  private static byte[] deflate(String text) {
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    try {
      deflater.setInput(text.getBytes(StandardCharsets.UTF_8));
      byte[] buf = new byte[text.length() + 64];
      int n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
      return java.util.Arrays.copyOf(buf, n - 4);
    } finally {
      deflater.end();
    }
  }
}
