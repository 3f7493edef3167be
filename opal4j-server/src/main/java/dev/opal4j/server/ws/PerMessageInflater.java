package dev.opal4j.server.ws;

import dev.opal4j.protocol.CloseCodes;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The inbound half of permessage-deflate (RFC 7692), right behind the frame decoder: checks the
 * RSV bits of every frame and inflates compressed messages frame by frame, so that the handlers
 * behind it (UTF-8 check, fragment aggregation, the session) see plain frames.
 *
 * <p>The inbound limit holds for the inflated size: inflation of a message stops as soon as its
 * inflated bytes pass {@code maxInflatedBytes}, and the session closes with 1009. A message is never
 * inflated first and measured after, so a small frame of repeated bytes cannot make the worker
 * allocate more than the limit (plus one byte) for it.
 *
 * <p>Without an agreement (no acceptable offer, or the operator turned deflate off), any RSV bit is
 * a protocol error (1002). With one ({@link PermessageDeflateNegotiation}), each compressed message
 * is inflated by an inflater borrowed from the event loop's {@link InflaterPool} for that message
 * only; where the client keeps its compression context, the few hundred bytes of its bounded window
 * are kept here and set as the next message's dictionary.
 *
 * <p>One instance per connection; runs on the connection's event loop only.
 */
final class PerMessageInflater extends ChannelInboundHandlerAdapter {
  private static final int RSV1 = 0b100;
  private static final ByteBuffer SYNC_FLUSH_TAIL = ByteBuffer.wrap(new byte[] {0, 0, (byte) 0xFF, (byte) 0xFF})
      .asReadOnlyBuffer();
  private static final int MAX_CHUNK = 64 * 1024;

  private final boolean deflateAgreed;
  private final int maxInflatedBytes;
  /** The client's compression context: the last bytes it sent, or null if it keeps none. */
  private final SlidingWindow context;
  /** The inflater of the compressed message now arriving; null between messages. */
  private Inflater inflater;
  private long inflatedInMessage;
  /** After a rejection the rest of the stream is discarded: the session is closing. */
  private boolean rejected;

  PerMessageInflater(PermessageDeflateNegotiation.Agreement agreement, int maxInflatedBytes) {
    this.deflateAgreed = agreement != null;
    this.maxInflatedBytes = maxInflatedBytes;
    this.context = agreement != null && agreement.clientKeepsContext()
        ? new SlidingWindow(1 << agreement.clientWindowBits()) : null;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof WebSocketFrame frame)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (rejected) {
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      ctx.fireChannelRead(process(ctx, frame));
    } catch (FrameRejection e) {
      rejected = true;
      finishMessage();
      ctx.fireExceptionCaught(e);
    }
  }

  private WebSocketFrame process(ChannelHandlerContext ctx, WebSocketFrame frame) {
    boolean data = frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame;
    boolean continuation = frame instanceof ContinuationWebSocketFrame;
    int rsv = frame.rsv();
    if (rsv != 0 && !(deflateAgreed && rsv == RSV1 && data)) {
      frame.release();
      throw new FrameRejection(CloseCodes.PROTOCOL_ERROR, rsvMisuse(rsv, data, continuation));
    }
    if (!data && !continuation) {
      return frame; // control frames are never compressed (§6.1) and may come between fragments
    }
    if (data) {
      inflatedInMessage = 0;
      // The frame decoder refuses a message that starts inside another; should one get here anyway,
      // the unfinished message's inflater goes back to the pool rather than being dropped.
      finishMessage();
      if (rsv == RSV1) {
        inflater = InflaterPool.take();
        if (context != null) {
          context.setAsDictionary(inflater);
        }
      }
    }
    if (inflater == null) {
      return frame; // an uncompressed message, or a continuation of one
    }
    ByteBuf inflated;
    try {
      inflated = inflate(ctx, frame.content(), frame.isFinalFragment());
    } finally {
      frame.release();
    }
    boolean last = frame.isFinalFragment();
    if (last) {
      finishMessage();
    }
    if (frame instanceof TextWebSocketFrame) {
      return new TextWebSocketFrame(last, 0, inflated);
    }
    return frame instanceof BinaryWebSocketFrame
        ? new BinaryWebSocketFrame(last, 0, inflated) : new ContinuationWebSocketFrame(last, 0, inflated);
  }

  /** Inflates one frame's payload, never producing more than the message's remaining allowance + 1 byte. */
  private ByteBuf inflate(ChannelHandlerContext ctx, ByteBuf compressed, boolean lastFrame) {
    long allowance = maxInflatedBytes - inflatedInMessage;
    int cap = (int) Math.min(Integer.MAX_VALUE - 8, allowance + 1);
    ByteBuf out = ctx.alloc().buffer(Math.min(cap, Math.max(256, compressed.readableBytes() * 4)), cap);
    try {
      if (inflater.finished() && compressed.isReadable()) {
        throw new DataFormatException("data after the end of the message's deflate stream");
      }
      inflater.setInput(compressed.nioBuffer());
      drain(out, cap);
      if (lastFrame && !inflater.finished()) {
        inflater.setInput(SYNC_FLUSH_TAIL.duplicate()); // §7.2.2: the sender removed it
        drain(out, cap);
      }
      inflatedInMessage += out.readableBytes();
      if (context != null) {
        context.append(out);
      }
      return out;
    } catch (DataFormatException e) {
      out.release();
      throw new FrameRejection(CloseCodes.INVALID_PAYLOAD,
          "permessage-deflate data could not be inflated: " + e.getMessage());
    } catch (FrameRejection e) {
      out.release();
      throw e;
    }
  }

  private void drain(ByteBuf out, int cap) throws DataFormatException {
    while (true) {
      if (out.writableBytes() == 0) {
        if (out.readableBytes() >= cap) {
          throw overLimit();
        }
        out.ensureWritable(Math.min(MAX_CHUNK, cap - out.readableBytes()));
      }
      int n = inflater.inflate(out.nioBuffer(out.writerIndex(), out.writableBytes()));
      out.writerIndex(out.writerIndex() + n);
      if (inflatedInMessage + out.readableBytes() > maxInflatedBytes) {
        throw overLimit();
      }
      if (n == 0) {
        if (inflater.needsDictionary()) {
          throw new DataFormatException("a preset dictionary is not allowed");
        }
        if (inflater.finished() || inflater.needsInput()) {
          return;
        }
      }
    }
  }

  private FrameRejection overLimit() {
    return new FrameRejection(CloseCodes.MESSAGE_TOO_BIG, "message over the inbound limit of " + maxInflatedBytes
        + " bytes once inflated (OPAL_WS_MAX_FRAME_BYTES)");
  }

  private String rsvMisuse(int rsv, boolean data, boolean continuation) {
    if (!deflateAgreed) {
      return "frame with RSV bits " + Integer.toBinaryString(rsv) + " but no extension was negotiated";
    }
    if (rsv != RSV1) {
      return "frame with RSV2/RSV3 set; only permessage-deflate (RSV1) was negotiated";
    }
    return continuation ? "RSV1 on a continuation frame (permessage-deflate marks only a message's first frame)"
        : "RSV1 on a control frame (control frames are never compressed)";
  }

  private void finishMessage() {
    if (inflater != null) {
      InflaterPool.give(inflater);
      inflater = null;
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    finishMessage();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    finishMessage();
    ctx.fireChannelInactive();
  }
}
