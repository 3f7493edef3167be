package dev.opal4j.server.ws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opal4j.testkit.ws.PythonWebSocket;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property-based fuzzing of the permessage-deflate inbound path ({@link PerMessageInflater} and the
 * aggregator behind it, as the server's pipeline has them): for any sequence of frames — deflated
 * text, bombs, truncated or corrupted deflate data, random bytes with RSV bits, fragments, control
 * frames in between — the pipeline either delivers whole messages no larger than the limit or
 * rejects the connection with a {@link FrameRejection} (or the aggregator's size error), never
 * another exception, never a message over the limit, and never a leaked buffer. Run by
 * {@code bin/fuzz} together with the decoders' fuzzers.
 */
class InflaterFuzzTest {
  private static final int LIMIT = 64 * 1024;

  /** One frame of a fuzzed stream: opcode, fin, rsv, payload. */
  record FrameSpec(int opcode, boolean fin, int rsv, byte[] payload) {
    WebSocketFrame toFrame() {
      // Not wrappedBuffer: an empty one is the shared EMPTY_BUFFER, which never reaches refCnt 0.
      var content = Unpooled.buffer(payload.length).writeBytes(payload);
      return switch (opcode) {
        case 0x1 -> new TextWebSocketFrame(fin, rsv, content);
        case 0x2 -> new BinaryWebSocketFrame(fin, rsv, content);
        case 0x9 -> new PingWebSocketFrame(fin, rsv, content);
        default -> new ContinuationWebSocketFrame(fin, rsv, content);
      };
    }
  }

  @Provide
  Arbitrary<List<FrameSpec>> streams() {
    Arbitrary<byte[]> text = Arbitraries.strings().ofMaxLength(3000).map(s -> s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Arbitrary<byte[]> deflated = text.map(InflaterFuzzTest::deflate);
    Arbitrary<byte[]> bombs = Arbitraries.longs().between(LIMIT - 16, 4L * LIMIT)
        .map(n -> PythonWebSocket.deflatedRepeats(n, (byte) 'a'));
    Arbitrary<byte[]> corrupted = Combinators.combine(deflated, Arbitraries.integers().between(0, 2999),
        Arbitraries.bytes()).as((d, at, b) -> {
          byte[] copy = d.clone();
          if (copy.length > 0) {
            copy[at % copy.length] ^= (byte) (b | 1);
          }
          return copy;
        });
    Arbitrary<byte[]> truncated = deflated.map(d -> Arrays.copyOf(d, d.length / 2));
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(500);
    Arbitrary<byte[]> payload = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, deflated), net.jqwik.api.Tuple.of(1, bombs), net.jqwik.api.Tuple.of(3, corrupted),
        net.jqwik.api.Tuple.of(2, truncated), net.jqwik.api.Tuple.of(2, random), net.jqwik.api.Tuple.of(2, text));
    Arbitrary<FrameSpec> frame = Combinators.combine(Arbitraries.of(0x0, 0x1, 0x2, 0x9),
        Arbitraries.of(true, true, false), Arbitraries.of(0, 0b100, 0b100, 0b010, 0b001, 0b110), payload)
        .as(FrameSpec::new);
    return frame.list().ofMinSize(1).ofMaxSize(8);
  }

  @Property
  void theInflaterDeliversWholeMessagesWithinTheLimitOrRejectsWithAReason(@ForAll("streams") List<FrameSpec> stream,
      @ForAll boolean clientKeepsContext) {
    List<WebSocketFrame> delivered = new ArrayList<>();
    List<Throwable> rejected = new ArrayList<>();
    PermessageDeflateNegotiation.Agreement agreement = new PermessageDeflateNegotiation.Agreement("x",
        clientKeepsContext ? 9 : 0);
    EmbeddedChannel channel = new EmbeddedChannel(new PerMessageInflater(agreement, LIMIT),
        new WebSocketFrameAggregator(LIMIT), new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            delivered.add((WebSocketFrame) msg);
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            rejected.add(cause);
          }
        });
    List<WebSocketFrame> sent = new ArrayList<>();
    for (FrameSpec spec : stream) {
      WebSocketFrame frame = spec.toFrame();
      sent.add(frame);
      try {
        channel.writeInbound(frame);
      } catch (RuntimeException aggregatorOrderError) {
        // The aggregator's own checks (a continuation with no start) throw through; the frame
        // decoder in front of it on a real connection refuses such sequences first.
        assertThat(aggregatorOrderError).isNotInstanceOf(FrameRejection.class);
      }
    }
    for (Throwable caught : rejected) {
      // the aggregator wraps its own order errors (a new message before the last one ended, which
      // the frame decoder in front of it refuses first on a real connection)
      Throwable cause = caught instanceof io.netty.handler.codec.DecoderException && caught.getCause() != null
          ? caught.getCause() : caught;
      assertThat(cause).isInstanceOfAny(FrameRejection.class, io.netty.handler.codec.TooLongFrameException.class,
          io.netty.handler.codec.MessageAggregationException.class);
      if (!(cause instanceof io.netty.handler.codec.MessageAggregationException)) {
        assertThat(cause.getMessage()).isNotBlank(); // what the client is told in its close frame
      }
    }
    for (WebSocketFrame frame : delivered) {
      if (!(frame instanceof PingWebSocketFrame)) {
        assertThat(frame.content().readableBytes()).isLessThanOrEqualTo(LIMIT);
        assertThat(frame.rsv()).isZero();
      }
      frame.release();
    }
    channel.finishAndReleaseAll();
    for (WebSocketFrame frame : sent) {
      assertThat(frame.refCnt()).as("every frame handed in is released").isZero();
    }
  }

  private static byte[] deflate(byte[] data) {
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    try {
      deflater.setInput(data);
      byte[] out = new byte[data.length + 64];
      int n = deflater.deflate(out, 0, out.length, Deflater.SYNC_FLUSH);
      return Arrays.copyOf(out, Math.max(0, n - 4));
    } finally {
      deflater.end();
    }
  }
}
