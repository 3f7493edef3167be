package dev.opal4j.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.Deflater;

/**
 * permessage-deflate as the real OPAL client (Python's {@code websockets}) uses it: the handshake
 * offers {@value #OFFER}, and once the server agrees every text message the connection sends is
 * compressed (RSV1, raw deflate flushed with {@code Z_SYNC_FLUSH}, the trailing {@code 00 00 ff ff}
 * removed). What the server sends is read as it comes (opal4j never compresses; a compressed frame
 * from another server would be counted as undecodable).
 *
 * <p>One difference, to keep tens of thousands of connections cheap in the generator: each message
 * is compressed on its own with a deflater shared by the event loop, where the Python client keeps
 * one compressor per connection and may refer back into its earlier messages. The harness's
 * messages (acks, {@code _ping_}, {@code subscribe}) are small, so the bytes on the wire differ only
 * by those back-references; the server's work per message (borrow an inflater, set the agreed
 * window as its dictionary, inflate) is the same.
 *
 * <p>One handler per connection, on its event loop. It sits between the HTTP aggregator (to read
 * the 101's {@code Sec-WebSocket-Extensions}) and the websocket protocol handler (to compress frames
 * on their way out).
 */
final class PythonDeflate extends ChannelDuplexHandler {
  static final String OFFER = "permessage-deflate; client_max_window_bits";
  private static final int RSV1 = 0b100;
  private static final FastThreadLocal<Deflater> DEFLATER = new FastThreadLocal<>() {
    @Override
    protected Deflater initialValue() {
      return new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    }

    @Override
    protected void onRemoval(Deflater deflater) {
      deflater.end();
    }
  };

  /** The first answer any connection got (null: none yet; "" : the server declined), for the report. */
  private final AtomicReference<String> firstAnswer;
  private boolean agreed;

  PythonDeflate(AtomicReference<String> firstAnswer) {
    this.firstAnswer = firstAnswer;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof FullHttpResponse response) {
      String answer = response.headers().get("Sec-WebSocket-Extensions");
      agreed = answer != null && answer.toLowerCase(java.util.Locale.ROOT).contains("permessage-deflate");
      firstAnswer.compareAndSet(null, answer == null ? "" : answer);
    }
    super.channelRead(ctx, msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (agreed && msg instanceof TextWebSocketFrame text && text.isFinalFragment() && text.rsv() == 0) {
      ByteBuf compressed;
      try {
        compressed = compress(ctx, text.content());
      } finally {
        ReferenceCountUtil.release(text);
      }
      ctx.write(new TextWebSocketFrame(true, RSV1, compressed), promise);
    } else {
      ctx.write(msg, promise);
    }
  }

  private static ByteBuf compress(ChannelHandlerContext ctx, ByteBuf plain) {
    Deflater deflater = DEFLATER.get();
    deflater.reset();
    deflater.setInput(plain.nioBuffer());
    ByteBuf out = ctx.alloc().buffer(plain.readableBytes() + 16);
    while (true) {
      out.ensureWritable(64);
      ByteBuffer dst = out.nioBuffer(out.writerIndex(), out.writableBytes());
      int n = deflater.deflate(dst, Deflater.SYNC_FLUSH);
      out.writerIndex(out.writerIndex() + n);
      if (n == 0 || (deflater.needsInput() && out.writableBytes() > 0)) {
        break;
      }
    }
    int end = out.writerIndex();
    if (end >= 4 && out.getInt(end - 4) == 0x0000FFFF) {
      out.writerIndex(end - 4); // RFC 7692 §7.2.1: the sender removes the sync flush's empty block
    }
    return out;
  }
}
