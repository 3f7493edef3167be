package dev.opal4j.server.ws;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Takes an upgrade request's connection away from Vert.x's HTTP handling and completes the
 * websocket handshake on a plain Netty pipeline: a row of single-purpose handlers (frame codec,
 * permessage-deflate inflation with the inbound limit, UTF-8 validation, fragment aggregation with
 * the inbound limit, the session).
 *
 * <p>permessage-deflate is negotiated here ({@link PermessageDeflateNegotiation}), not by Netty's
 * compression handler: that one keeps a zlib deflater and inflater per connection (about 110 KiB
 * of an idle connection's memory) and inflated a whole frame before any limit applied.
 *
 * <p>Why not Vert.x's own websockets: every Vert.x connection carries two message queues whose
 * first chunk is a fixed 1024-slot array, and keeps the upgrade request and response alive: 13 of
 * the 17 KiB of heap an idle subscribed connection cost. REST stays on Vert.x.
 *
 * <p>Call on the request's event loop, after the request's checks (origin, limits, token) passed.
 */
final class WebSocketUpgrade {
  static final String SESSION_HANDLER = "opal-session";

  private WebSocketUpgrade() {}

  /** True if the request asks for a websocket (header values are case-insensitive, RFC 6455 §4.2.1). */
  static boolean isUpgrade(HttpServerRequest req) {
    String upgrade = req.getHeader("Upgrade");
    return upgrade != null && upgrade.equalsIgnoreCase("websocket");
  }

  /**
   * Answers the handshake and installs {@code session} at the end of the socket's pipeline;
   * {@code onOpen} runs on the event loop once the 101 response is written, with the session
   * handler's context. A request Netty cannot upgrade gets its error status here.
   */
  static void accept(HttpServerRequest req, int maxInboundBytes, boolean permessageDeflate,
      SessionFrameHandler session, Consumer<ChannelHandlerContext> onOpen) {
    FullHttpRequest upgrade = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, req.uri(),
        Unpooled.EMPTY_BUFFER);
    for (Map.Entry<String, String> header : req.headers()) {
      upgrade.headers().add(header.getKey(), header.getValue());
    }
    PermessageDeflateNegotiation.Agreement deflate = permessageDeflate
        ? PermessageDeflateNegotiation.negotiate(req.headers().getAll("Sec-WebSocket-Extensions")) : null;
    HttpHeaders answerHeaders = new DefaultHttpHeaders();
    if (deflate != null) {
      answerHeaders.set(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS, deflate.answer());
    }
    // The frame limit holds for the wire size; PerMessageInflater holds it for the inflated size.
    WebSocketDecoderConfig decoderConfig = WebSocketDecoderConfig.newBuilder()
        .maxFramePayloadLength(maxInboundBytes)
        .allowExtensions(true) // RSV bits are checked by PerMessageInflater, with precise reasons
        .closeOnProtocolViolation(false) // the session answers with its own close code and reason
        .build();
    String scheme = req.isSSL() ? "wss://" : "ws://";
    WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
        scheme + req.authority() + req.path(), null, decoderConfig).newHandshaker(upgrade);
    if (handshaker == null) {
      ReferenceCountUtil.release(upgrade);
      req.response().putHeader("Sec-WebSocket-Version", "13").setStatusCode(426).end();
      return;
    }
    if (req.getHeader("Sec-WebSocket-Key") == null) {
      ReferenceCountUtil.release(upgrade);
      req.response().setStatusCode(400).end("a websocket upgrade needs a Sec-WebSocket-Key header");
      return;
    }
    ChannelHandlerContext vertx = ((ConnectionBase) req.connection()).channelHandlerContext();
    // Deferred: Vert.x is inside its decoder's read loop now, which the handshake replaces.
    vertx.executor().execute(() -> {
      ChannelPipeline pipeline = vertx.pipeline();
      if (vertx.isRemoved() || !vertx.channel().isActive()) {
        ReferenceCountUtil.release(upgrade);
        return;
      }
      removeIfPresent(pipeline, HttpContentCompressor.class);
      removeIfPresent(pipeline, HttpContentDecompressor.class);
      removeIfPresent(pipeline, ChunkedWriteHandler.class);
      // Inbound order once the handshake replaced the HTTP codec with the frame decoder:
      // frame decoder -> inflater -> UTF-8 check -> aggregator -> session.
      pipeline.addAfter(vertx.name(), "ws-inflate", new PerMessageInflater(deflate, maxInboundBytes));
      pipeline.addAfter("ws-inflate", "ws-handshake", new Handshake(handshaker, answerHeaders, vertx.handler(), onOpen));
      pipeline.addAfter("ws-handshake", "ws-utf8", new Utf8FrameValidator(false));
      pipeline.addAfter("ws-utf8", "ws-aggregator", new WebSocketFrameAggregator(maxInboundBytes));
      pipeline.addAfter("ws-aggregator", SESSION_HANDLER, session);
      vertx.fireChannelRead(upgrade);
    });
  }

  private static void removeIfPresent(ChannelPipeline pipeline, Class<? extends ChannelHandler> type) {
    ChannelHandler handler = pipeline.get(type);
    if (handler != null) {
      pipeline.remove(handler);
    }
  }

  /** Drops Vert.x's connection handler, answers the handshake and steps aside. */
  private static final class Handshake extends ChannelInboundHandlerAdapter {
    private final WebSocketServerHandshaker handshaker;
    private final HttpHeaders answerHeaders;
    private final ChannelHandler vertxHandler;
    private final Consumer<ChannelHandlerContext> onOpen;

    Handshake(WebSocketServerHandshaker handshaker, HttpHeaders answerHeaders, ChannelHandler vertxHandler,
        Consumer<ChannelHandlerContext> onOpen) {
      this.handshaker = handshaker;
      this.answerHeaders = answerHeaders;
      this.vertxHandler = vertxHandler;
      this.onOpen = onOpen;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof FullHttpRequest upgrade)) {
        ctx.fireChannelRead(msg);
        return;
      }
      ChannelPipeline pipeline = ctx.pipeline();
      pipeline.remove(vertxHandler);
      pipeline.remove(this);
      try {
        handshaker.handshake(ctx.channel(), upgrade, answerHeaders, ctx.newPromise()).addListener(done -> {
          if (done.isSuccess()) {
            onOpen.accept(pipeline.context(SESSION_HANDLER));
          } else {
            ctx.channel().close();
          }
        });
      } finally {
        upgrade.release();
      }
    }
  }
}
