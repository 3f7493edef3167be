package dev.opal4j.server.ws;

import dev.opal4j.core.hub.Hub;
import dev.opal4j.protocol.CloseCodes;
import dev.opal4j.server.auth.AuthenticationException;
import dev.opal4j.server.auth.JwtAuthority;
import dev.opal4j.server.auth.PeerClaims;
import dev.opal4j.server.config.ServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /ws} endpoint of one worker. Authenticates in the handshake (HTTP 403 before the
 * upgrade on a bad token, as OPAL does), then runs one {@link WebSocketSession} per connection:
 * text frames go to the {@link RpcDispatcher}, binary frames close with 1003, and the server pings
 * every client at an interval, closing with 1011 those that stop answering.
 *
 * <p>Thread-safe; handlers run on Vert.x event loops.
 */
public final class WebSocketEndpoint {
  private static final Logger log = LoggerFactory.getLogger(WebSocketEndpoint.class);
  public static final String PATH = "/ws";

  private final JwtAuthority auth;
  private final Hub hub;
  private final RpcDispatcher dispatcher;
  private final ServerConfig.Limits limits;
  private final SessionMetrics metrics;
  private final HandshakeGuard guard;
  private final Set<WebSocketSession> sessions = ConcurrentHashMap.newKeySet();

  public WebSocketEndpoint(JwtAuthority auth, Hub hub, RpcDispatcher dispatcher, ServerConfig.Limits limits,
      SessionMetrics metrics, HandshakeGuard guard) {
    this.auth = auth;
    this.hub = hub;
    this.dispatcher = dispatcher;
    this.limits = limits;
    this.metrics = metrics;
    this.guard = guard;
  }

  public void onHandshake(ServerWebSocketHandshake hs) {
    if (!PATH.equals(hs.path())) {
      hs.reject(404);
      return;
    }
    String peerHost = hs.remoteAddress() == null ? "unknown" : hs.remoteAddress().hostAddress();
    String refusal = guard.refusal(hs, peerHost);
    if (refusal != null) {
      metrics.rejectedHandshake();
      log.warn("websocket handshake from {} refused: {}", peerHost, refusal);
      hs.reject(guard.statusFor(refusal));
      return;
    }
    if (sessions.size() >= limits.maxConnections()) {
      metrics.rejectedHandshake();
      log.warn("websocket handshake from {} refused: {} connections open, at OPAL_WS_MAX_CONNECTIONS",
          peerHost, sessions.size());
      hs.reject(503);
      return;
    }
    PeerClaims claims;
    try {
      claims = auth.authenticate(hs.headers().get("Authorization"));
    } catch (AuthenticationException e) {
      metrics.rejectedHandshake();
      guard.recordAuthFailure(peerHost);
      log.warn("websocket handshake from {} refused with 403: {}", peerHost, e.getMessage());
      hs.reject(403);
      return;
    }
    hs.accept().onSuccess(ws -> start(ws, claims))
        .onFailure(e -> log.debug("websocket handshake from {} failed: {}", peerHost, e.getMessage()));
  }

  private void start(ServerWebSocket ws, PeerClaims claims) {
    WebSocketSession session = new WebSocketSession(ws, claims, limits.outboundQueueBytes(),
        limits.maxNotifyBytes(), metrics);
    session.bindToCurrentEventLoop();
    sessions.add(session);
    hub.register(session);
    ws.textMessageHandler(text -> dispatcher.onText(session, text));
    ws.binaryMessageHandler(b -> dispatcher.reject(session, CloseCodes.UNSUPPORTED_DATA,
        "binary frames are not supported; OPAL's RPC uses text frames"));
    ws.pongHandler(b -> session.ponged(System.nanoTime()));
    ws.exceptionHandler(e -> {
      String reason = String.valueOf(e.getMessage());
      if (e instanceof io.netty.handler.codec.CorruptedFrameException
          || e instanceof io.netty.handler.codec.TooLongFrameException
          || reason.contains("too big") || reason.contains("Max frame length")) {
        dispatcher.reject(session, CloseCodes.MESSAGE_TOO_BIG,
            "frame over the inbound limit of " + limits.maxInboundFrameBytes() + " bytes (OPAL_WS_MAX_FRAME_BYTES)");
      } else {
        log.debug("session {} ({}): transport error: {}", session.id(), session.peer(), reason);
        session.close(CloseCodes.INTERNAL_ERROR, "transport error");
      }
    });
    java.util.concurrent.atomic.AtomicBoolean cleaned = new java.util.concurrent.atomic.AtomicBoolean();
    Runnable cleanup = () -> {
      if (cleaned.compareAndSet(false, true)) {
        sessions.remove(session);
        hub.unregister(session);
        log.debug("session {} ({}) closed", session.id(), session.peer());
      }
    };
    ws.closeHandler(v -> cleanup.run());
    // A connection dropped while Vert.x waits for the peer's close frame does not always reach the
    // close handler; the channel's own close future always fires.
    if (ws instanceof io.vertx.core.internal.http.WebSocketInternal internal) {
      internal.channelHandlerContext().channel().closeFuture().addListener(f -> cleanup.run());
    }
    log.debug("session {} ({}) connected", session.id(), session.peer());
  }

  /** Sends protocol pings and closes sessions whose pong is overdue; call periodically. */
  public void pingAll() {
    long now = System.nanoTime();
    long timeout = limits.pingTimeout().toNanos();
    for (WebSocketSession s : sessions) {
      if (s.pongOverdue(now, timeout)) {
        metrics.pingTimeout();
        log.warn("session {} ({}): no pong within {} ms; closing with 1011", s.id(), s.peer(),
            limits.pingTimeout().toMillis());
        s.abort(CloseCodes.INTERNAL_ERROR, "keepalive ping timeout");
      } else if (!s.isClosing()) {
        s.pinged(now);
        s.socket().writePing(Buffer.buffer());
      }
    }
  }

  public void startPinger(Vertx vertx) {
    long interval = limits.pingInterval().toMillis();
    if (interval > 0) {
      vertx.setPeriodic(interval, id -> pingAll());
    }
  }

  /** Closes every session (server shutdown). */
  public void closeAll(CloseCodes code, String reason) {
    for (WebSocketSession s : sessions) {
      s.close(code, reason);
    }
  }

  public int sessionCount() {
    return sessions.size();
  }
}
