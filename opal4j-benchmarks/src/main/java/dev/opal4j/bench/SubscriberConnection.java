package dev.opal4j.bench;

import dev.opal4j.protocol.ProtocolException;
import dev.opal4j.protocol.RpcCodec;
import dev.opal4j.protocol.RpcMessage;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;

/**
 * One websocket connection of a {@link BenchSubscriber}, speaking the OPAL client's side of the
 * protocol (opal-protocol.md §1.6): after the upgrade it calls {@code _ping_}, then {@code
 * subscribe} with its topics, then answers every {@code notify} exactly as the Python client does
 * ({@code {"result": "None", "result_type": "str"}}), and answers {@code _ping_}/{@code
 * _get_channel_id_} calls. Notifies are handled on bytes ({@link FrameScanner}); other frames go
 * through {@link RpcCodec}. Not sharable: one instance per connection.
 */
final class SubscriberConnection extends ChannelInboundHandlerAdapter {
  private static final byte[] NOTIFY_REPLY_HEAD =
      FrameScanner.ascii("{\"request\": null, \"response\": {\"result\": \"None\", \"result_type\": \"str\", \"call_id\": \"");
  private static final byte[] NOTIFY_REPLY_TAIL = FrameScanner.ascii("\"}}");
  private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
    @Override
    protected byte[] initialValue() {
      return new byte[4096];
    }
  };

  private final BenchSubscriber sub;
  private final SubscriberFleet fleet;
  private boolean flushPending;
  private boolean settled; // the fleet has been told how the connect ended (subscribed or failed)

  SubscriberConnection(BenchSubscriber sub, SubscriberFleet fleet) {
    this.sub = sub;
    this.fleet = fleet;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
      fleet.stats().handshakes.increment();
      ctx.writeAndFlush(new TextWebSocketFrame(RpcCodec.request("_ping_", dev.opal4j.protocol.Json.object(), "ping-" + sub.index)));
    } else if (evt == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
      settleFailed("handshake timeout");
      ctx.close();
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof TextWebSocketFrame text) {
        onText(ctx, text.content());
      } else if (msg instanceof CloseWebSocketFrame close) {
        sub.lastCloseCode = close.statusCode();
        ctx.close();
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onText(ChannelHandlerContext ctx, ByteBuf content) {
    int len = content.readableBytes();
    byte[] b = SCRATCH.get();
    if (b.length < len) {
      b = new byte[Math.max(len, b.length * 2)];
      SCRATCH.set(b);
    }
    content.getBytes(content.readerIndex(), b, 0, len);
    if (FrameScanner.isNotify(b, len)) {
      long span = FrameScanner.callIdSpan(b, len);
      if (span >= 0) {
        onNotify(ctx, b, len, (int) (span >>> 32), (int) span);
        return;
      }
    }
    onOtherFrame(ctx, new String(b, 0, len, StandardCharsets.UTF_8));
  }

  private void onNotify(ChannelHandlerContext ctx, byte[] b, int len, int idStart, int idEnd) {
    long now = System.nanoTime();
    ByteBuf reply = ctx.alloc().buffer(NOTIFY_REPLY_HEAD.length + (idEnd - idStart) + NOTIFY_REPLY_TAIL.length);
    reply.writeBytes(NOTIFY_REPLY_HEAD).writeBytes(b, idStart, idEnd - idStart).writeBytes(NOTIFY_REPLY_TAIL);
    ctx.write(new TextWebSocketFrame(reply));
    flushPending = true;
    RunStats stats = fleet.stats();
    // the payload writes run, seq, ts in that order: each search starts where the run marker is
    int at = Math.max(0, FrameScanner.indexOf(b, 0, len, BenchPayload.RUN_NEEDLE));
    long run = FrameScanner.longValue(b, len, at, BenchPayload.RUN_NEEDLE, -1);
    long seq = FrameScanner.longValue(b, len, at, BenchPayload.SEQ_NEEDLE, -1);
    long ts = FrameScanner.longValue(b, len, at, BenchPayload.TS_NEEDLE, -1);
    if (run != fleet.runId() || seq < 1 || ts < 0) {
      stats.foreignNotifies.increment();
      return;
    }
    boolean fresh = sub.window.add(seq);
    long first = sub.firstExpected;
    if (fresh) {
      if (first >= 0 && seq >= first) {
        sub.counted++;
      } else {
        sub.early++;
      }
    }
    stats.delivered(seq, ts, now, fresh);
  }

  private void onOtherFrame(ChannelHandlerContext ctx, String text) {
    RpcMessage message;
    try {
      message = RpcCodec.decode(text);
    } catch (ProtocolException e) {
      RunStats.count(fleet.stats().closes, "harness: undecodable frame from server (" + e.getMessage() + ")");
      ctx.close();
      return;
    }
    if (message instanceof RpcMessage.Request req) {
      fleet.stats().otherRequests.increment();
      String reply = switch (req.method()) {
        case "_ping_", "ping" -> RpcCodec.strResponse(req.callId(), "pong");
        case "_get_channel_id_" -> RpcCodec.strResponse(req.callId(), sub.channelId);
        default -> RpcCodec.response(req.callId(), "\"None\"", "str");
      };
      ctx.write(new TextWebSocketFrame(reply));
      flushPending = true;
    } else if (message instanceof RpcMessage.Response resp && resp.callId() != null) {
      if (resp.callId().startsWith("ping-")) {
        ctx.write(new TextWebSocketFrame(RpcCodec.request("subscribe", fleet.subscribeArguments(), "sub-" + sub.index)));
        flushPending = true;
      } else if (resp.callId().startsWith("sub-")) {
        if (resp.result() != null && resp.result().asBoolean(false)) {
          settled = true;
          fleet.onSubscribed(sub);
        } else {
          fleet.stats().subscribeRefused.increment();
          settleFailed("subscribe refused (result " + resp.result() + ")");
          ctx.close();
        }
      }
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (flushPending) {
      flushPending = false;
      ctx.flush();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    settleFailed(describe(cause));
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    settleFailed("closed before subscribing");
    fleet.onClosed(sub, ctx.channel());
  }

  private void settleFailed(String reason) {
    if (!settled) {
      settled = true;
      fleet.onConnectFailed(sub, reason);
    }
  }

  static String describe(Throwable t) {
    String m = t.getMessage();
    String name = t.getClass().getSimpleName();
    if (m == null) {
      return name;
    }
    // keep reasons groupable: drop the per-connection addresses some messages carry
    m = m.replaceAll("/?\\d+\\.\\d+\\.\\d+\\.\\d+:\\d+", "<addr>");
    return name + ": " + (m.length() > 160 ? m.substring(0, 160) : m);
  }
}
