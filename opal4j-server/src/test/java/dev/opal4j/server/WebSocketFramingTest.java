package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The websocket framing rules of RFC 6455 as the server enforces them, checked byte by byte from
 * a raw socket (a client library would refuse to send most of these frames).
 */
class WebSocketFramingTest {
  private static RunningServer server;

  @BeforeAll
  static void start() throws Exception {
    server = RunningServer.start(Map.of());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void anUnmaskedClientFrameClosesWith1002AndEndsTheConnection() throws Exception {
    try (RawWebSocket ws = RawWebSocket.open(server.port())) {
      ws.sendUnmasked(0x1, "{}".getBytes(StandardCharsets.UTF_8));
      Frame close = ws.read();
      assertThat(close.opcode).isEqualTo(0x8);
      assertThat(close.closeCode()).isEqualTo(1002);
      assertThat(ws.endsWithoutMoreFrames()).isTrue();
    }
  }

  @Test
  void textThatIsNotUtf8ClosesWith1007() throws Exception {
    // Decoded leniently this would be well-formed JSON breaking the RPC contract (1008), not 1007.
    byte[] text = "{\"request\": \"..\", \"response\": null}".getBytes(StandardCharsets.UTF_8);
    text[13] = (byte) 0xC3;
    text[14] = (byte) 0x28;
    try (RawWebSocket ws = RawWebSocket.open(server.port())) {
      ws.send(0x1, true, text);
      Frame close = ws.read();
      assertThat(close.opcode).isEqualTo(0x8);
      assertThat(close.closeCode()).isEqualTo(1007);
    }
  }

  @Test
  void aMessageInFragmentsIsJoinedBeforeItIsAnswered() throws Exception {
    byte[] ping = "{\"request\": {\"method\": \"_ping_\", \"arguments\": {}, \"call_id\": \"frag\"}, \"response\": null}"
        .getBytes(StandardCharsets.UTF_8);
    try (RawWebSocket ws = RawWebSocket.open(server.port())) {
      ws.send(0x1, false, java.util.Arrays.copyOfRange(ping, 0, 20));
      ws.send(0x0, true, java.util.Arrays.copyOfRange(ping, 20, ping.length));
      Frame answer = ws.read();
      assertThat(answer.opcode).isEqualTo(0x1);
      assertThat(answer.text()).contains("\"call_id\": \"frag\"").contains("pong");
    }
  }

  @Test
  void aClientPingIsAnsweredWithItsPayload() throws Exception {
    try (RawWebSocket ws = RawWebSocket.open(server.port())) {
      ws.send(0x9, true, "are you there".getBytes(StandardCharsets.UTF_8));
      Frame pong = ws.read();
      assertThat(pong.opcode).isEqualTo(0xA);
      assertThat(pong.text()).isEqualTo("are you there");
    }
  }

  @Test
  void aClientCloseIsEchoedWithItsCodeAndTheServerEndsTheConnection() throws Exception {
    try (RawWebSocket ws = RawWebSocket.open(server.port())) {
      ws.send(0x8, true, new byte[] {(byte) (4000 >> 8), (byte) (4000 & 0xFF), 'b', 'y', 'e'});
      Frame close = ws.read();
      assertThat(close.opcode).isEqualTo(0x8);
      assertThat(close.closeCode()).isEqualTo(4000);
      assertThat(ws.endsWithoutMoreFrames()).isTrue();
    }
  }

  record Frame(int opcode, byte[] payload) {
    int closeCode() {
      return ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
    }

    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  /** A websocket client with no opinions: writes exactly the frames it is told to. */
  static final class RawWebSocket implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawWebSocket(Socket socket) throws IOException {
      this.socket = socket;
      this.in = new DataInputStream(socket.getInputStream());
      this.out = socket.getOutputStream();
    }

    static RawWebSocket open(int port) throws IOException {
      Socket socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(10_000);
      RawWebSocket ws = new RawWebSocket(socket);
      ws.out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
        head.write(ws.in.readUnsignedByte());
      }
      String response = head.toString(StandardCharsets.US_ASCII);
      assertThat(response).startsWith("HTTP/1.1 101")
          .containsIgnoringCase("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
      return ws;
    }

    void send(int opcode, boolean fin, byte[] payload) throws IOException {
      write(opcode, fin, payload, new byte[] {0x11, 0x22, 0x33, 0x44});
    }

    void sendUnmasked(int opcode, byte[] payload) throws IOException {
      write(opcode, true, payload, null);
    }

    private void write(int opcode, boolean fin, byte[] payload, byte[] mask) throws IOException {
      ByteArrayOutputStream frame = new ByteArrayOutputStream();
      frame.write((fin ? 0x80 : 0) | opcode);
      frame.write((mask == null ? 0 : 0x80) | payload.length); // test payloads stay under 126 bytes
      if (mask != null) {
        frame.write(mask);
      }
      for (int i = 0; i < payload.length; i++) {
        frame.write(mask == null ? payload[i] : payload[i] ^ mask[i % 4]);
      }
      out.write(frame.toByteArray());
      out.flush();
    }

    Frame read() throws IOException {
      int first = in.readUnsignedByte();
      int second = in.readUnsignedByte();
      long length = second & 0x7F;
      if (length == 126) {
        length = in.readUnsignedShort();
      } else if (length == 127) {
        length = in.readLong();
      }
      byte[] payload = new byte[(int) length];
      in.readFully(payload);
      return new Frame(first & 0x0F, payload);
    }

    /** True if the server closes the TCP connection with no frame after the last one read. */
    boolean endsWithoutMoreFrames() throws IOException {
      try {
        return in.read() == -1;
      } catch (EOFException e) {
        return true;
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
