package dev.opal4j.server.ws;

import dev.opal4j.protocol.CloseCodes;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last handler of a client's websocket pipeline: whole messages (the frame aggregator in front of
 * it joins fragments and enforces the inbound limit) go to the RPC dispatcher, control frames are
 * answered here, and every transport error ends in a close code the client understands.
 *
 * <p>Runs on the socket's event loop only.
 */
final class SessionFrameHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(SessionFrameHandler.class);

  private final RpcDispatcher dispatcher;
  private final int maxInboundBytes;
  private final Consumer<WebSocketSession> onClosed;
  private WebSocketSession session;

  SessionFrameHandler(RpcDispatcher dispatcher, int maxInboundBytes, Consumer<WebSocketSession> onClosed) {
    this.dispatcher = dispatcher;
    this.maxInboundBytes = maxInboundBytes;
    this.onClosed = onClosed;
  }

  void attach(WebSocketSession session) {
    this.session = session;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (session == null) {
        return; // the upgrade request's empty last content, or a frame before the 101 was written
      } else if (msg instanceof TextWebSocketFrame text) {
        dispatcher.onText(session, text.text());
      } else if (msg instanceof PingWebSocketFrame ping) {
        ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
      } else if (msg instanceof PongWebSocketFrame) {
        session.ponged(System.nanoTime());
      } else if (msg instanceof CloseWebSocketFrame close) {
        session.peerClosed(close);
      } else if (msg instanceof BinaryWebSocketFrame) {
        dispatcher.reject(session, CloseCodes.UNSUPPORTED_DATA,
            "binary frames are not supported; OPAL's RPC uses text frames");
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (session == null) { // before the handshake completed: nothing to tell the client
      ctx.close();
      return;
    }
    if (cause instanceof FrameRejection rejection) {
      dispatcher.reject(session, rejection.code(), rejection.reason());
      session.dropOnceWritten();
    } else if (cause instanceof TooLongFrameException) {
      rejectOverLimit();
    } else if (cause instanceof CorruptedWebSocketFrameException corrupt) {
      if (WebSocketCloseStatus.MESSAGE_TOO_BIG.equals(corrupt.closeStatus())) {
        rejectOverLimit();
      } else if (WebSocketCloseStatus.INVALID_PAYLOAD_DATA.equals(corrupt.closeStatus())) {
        dispatcher.reject(session, CloseCodes.INVALID_PAYLOAD, "text frame is not valid UTF-8");
      } else {
        dispatcher.reject(session, CloseCodes.PROTOCOL_ERROR, "websocket protocol error: " + corrupt.getMessage());
      }
      session.dropOnceWritten(); // the frame decoder is done for: no close handshake possible
    } else if (cause instanceof IOException) {
      log.debug("session {} ({}): connection error: {}", session.id(), session.peer(), cause.getMessage());
      ctx.close();
    } else {
      log.warn("session {} ({}): transport error; closing with 1011", session.id(), session.peer(), cause);
      session.close(CloseCodes.INTERNAL_ERROR, "transport error");
    }
  }

  private void rejectOverLimit() {
    dispatcher.reject(session, CloseCodes.MESSAGE_TOO_BIG,
        "frame over the inbound limit of " + maxInboundBytes + " bytes (OPAL_WS_MAX_FRAME_BYTES)");
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    onClosed.accept(session);
    ctx.fireChannelInactive();
  }
}
