package dev.opal4j.bench;

import dev.opal4j.protocol.ProtocolException;
import dev.opal4j.protocol.RpcCodec;
import dev.opal4j.protocol.RpcMessage;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes with the RPC {@code publish} method over its own websocket (like a Python pub/sub
 * client would), matching each {@code true}/{@code false} answer to its call by {@code call_id}.
 */
final class RpcPublisher implements UpdatePublisher {
  private final Map<String, CompletableFuture<Boolean>> pending = new ConcurrentHashMap<>();
  private final AtomicLong callIds = new AtomicLong();
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final BenchPayload payload;
  private final Channel channel;

  RpcPublisher(NettyTransport transport, InetSocketAddress remote, WebSocketClientProtocolConfig config, int maxMessageBytes,
      BenchPayload payload, long timeoutMillis) throws IOException {
    this.payload = payload;
    this.channel = transport.connect(remote, null, config, maxMessageBytes, Handler::new).channel();
    try {
      ready.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      channel.close();
      Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
      throw new IOException("RPC publisher could not connect to " + config.webSocketUri() + ": "
          + SubscriberConnection.describe(cause), cause);
    }
  }

  @Override
  public CompletableFuture<Boolean> publish(long seq, long sentNanos) {
    String callId = "pub-" + callIds.incrementAndGet();
    CompletableFuture<Boolean> answer = new CompletableFuture<>();
    pending.put(callId, answer);
    channel.writeAndFlush(new TextWebSocketFrame(payload.rpcPublish(seq, sentNanos, callId))).addListener(f -> {
      if (!f.isSuccess()) {
        pending.remove(callId);
        answer.completeExceptionally(f.cause());
      }
    });
    return answer;
  }

  @Override
  public String kind() {
    return "rpc";
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    pending.values().forEach(f -> f.completeExceptionally(new IOException("publisher closed")));
  }

  private final class Handler extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
        ready.complete(null);
      } else if (evt == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
        ready.completeExceptionally(new IOException("handshake timeout"));
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof TextWebSocketFrame text) {
          RpcMessage m = RpcCodec.decode(text.text());
          if (m instanceof RpcMessage.Response r && r.callId() != null) {
            CompletableFuture<Boolean> f = pending.remove(r.callId());
            if (f != null) {
              f.complete(r.result() != null && r.result().asBoolean(false));
            }
          } else if (m instanceof RpcMessage.Request req) {
            String reply = "_ping_".equals(req.method()) ? RpcCodec.strResponse(req.callId(), "pong")
                : RpcCodec.response(req.callId(), "\"None\"", "str");
            ctx.writeAndFlush(new TextWebSocketFrame(reply));
          }
        }
      } catch (ProtocolException e) {
        ctx.close();
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ready.completeExceptionally(cause);
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      IOException closed = new IOException("RPC publisher connection closed");
      ready.completeExceptionally(closed);
      pending.values().forEach(f -> f.completeExceptionally(closed));
      pending.clear();
    }
  }
}
