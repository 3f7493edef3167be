package dev.opal4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

class PythonDeflateTest {
  private static FullHttpResponse switching(String extensions) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
    if (extensions != null) {
      r.headers().set("Sec-WebSocket-Extensions", extensions);
    }
    return r;
  }

  @Test
  void onceTheServerAgreesEveryTextMessageGoesOutCompressedAsThePythonClientSendsIt() throws Exception {
    AtomicReference<String> answer = new AtomicReference<>();
    EmbeddedChannel ch = new EmbeddedChannel(new PythonDeflate(answer));
    ch.writeInbound(switching("permessage-deflate; client_max_window_bits=9"));
    ((FullHttpResponse) ch.readInbound()).release();
    String ack = "{\"request\": null, \"response\": {\"result\": \"None\", \"result_type\": \"str\", \"call_id\": \"abc\"}}";
    ch.writeOutbound(new TextWebSocketFrame(ack));
    TextWebSocketFrame sent = ch.readOutbound();
    try {
      assertThat(sent.rsv()).isEqualTo(0b100);
      byte[] wire = ByteBufUtil.getBytes(sent.content());
      assertThat(java.util.Arrays.copyOfRange(wire, wire.length - 4, wire.length))
          .isNotEqualTo(new byte[] {0, 0, (byte) 0xFF, (byte) 0xFF}); // the sync flush's tail is removed
      assertThat(inflate(wire)).isEqualTo(ack);
    } finally {
      sent.release();
    }
    assertThat(answer.get()).isEqualTo("permessage-deflate; client_max_window_bits=9");
    ch.finishAndReleaseAll();
  }

  @Test
  void aDeclinedOfferMeansPlainFrames() {
    AtomicReference<String> answer = new AtomicReference<>();
    EmbeddedChannel ch = new EmbeddedChannel(new PythonDeflate(answer));
    ch.writeInbound(switching(null));
    ((FullHttpResponse) ch.readInbound()).release();
    ch.writeOutbound(new TextWebSocketFrame("{}"));
    TextWebSocketFrame sent = ch.readOutbound();
    assertThat(sent.rsv()).isZero();
    assertThat(sent.text()).isEqualTo("{}");
    sent.release();
    assertThat(answer.get()).isEmpty();
    ch.finishAndReleaseAll();
  }

  private static String inflate(byte[] wire) throws Exception {
    Inflater inflater = new Inflater(true);
    try {
      byte[] withTail = java.util.Arrays.copyOf(wire, wire.length + 4);
      withTail[wire.length + 2] = (byte) 0xFF;
      withTail[wire.length + 3] = (byte) 0xFF;
      inflater.setInput(withTail);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[256];
      int n;
      while ((n = inflater.inflate(buf)) > 0) {
        out.write(buf, 0, n);
      }
      return out.toString(StandardCharsets.UTF_8);
    } finally {
      inflater.end();
    }
  }
}
