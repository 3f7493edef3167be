package dev.opal4j.server.ws;

import dev.opal4j.core.hub.Hub;
import dev.opal4j.protocol.CloseCodes;
import dev.opal4j.server.auth.AuthenticationException;
import dev.opal4j.server.auth.JwtAuthority;
import dev.opal4j.server.auth.PeerClaims;
import dev.opal4j.server.config.ServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /ws} endpoint of one worker. Authenticates in the handshake (HTTP 403 before the
 * upgrade on a bad token, as OPAL does), then runs one {@link WebSocketSession} per connection on
 * a plain Netty pipeline ({@link WebSocketUpgrade}): text frames go to the {@link RpcDispatcher},
 * binary frames close with 1003, and the server pings every client at an interval, closing with
 * 1011 those that stop answering.
 *
 * <p>Thread-safe; handlers run on the event loops.
 */
public final class WebSocketEndpoint {
  private static final Logger log = LoggerFactory.getLogger(WebSocketEndpoint.class);
  public static final String PATH = "/ws";
  /** At most one WARN line per client address this often for refused handshakes. */
  private static final long REFUSAL_LOG_INTERVAL_NANOS = 10_000_000_000L;

  private final JwtAuthority auth;
  private final Hub hub;
  private final RpcDispatcher dispatcher;
  private final ServerConfig.Limits limits;
  private final SessionMetrics metrics;
  private final HandshakeGuard guard;
  private final Set<WebSocketSession> sessions = ConcurrentHashMap.newKeySet();
  private final ClientTracker clients = new ClientTracker();
  private final RefusalLog refusals = new RefusalLog(log, REFUSAL_LOG_INTERVAL_NANOS, System::nanoTime);
  private volatile boolean accepting = true;

  public WebSocketEndpoint(JwtAuthority auth, Hub hub, RpcDispatcher dispatcher, ServerConfig.Limits limits,
      SessionMetrics metrics, HandshakeGuard guard) {
    this.auth = auth;
    this.hub = hub;
    this.dispatcher = dispatcher;
    this.limits = limits;
    this.metrics = metrics;
    this.guard = guard;
  }

  /** True if {@code req} is a websocket upgrade for this endpoint (other requests go to the REST routes). */
  public boolean handles(HttpServerRequest req) {
    return PATH.equals(req.path()) && WebSocketUpgrade.isUpgrade(req);
  }

  /** Checks an upgrade request (origin, rate, capacity, token) and answers it: 101 or an HTTP error. */
  public void onUpgrade(HttpServerRequest req) {
    String peer = req.remoteAddress() == null ? "unknown" : req.remoteAddress().hostAddress();
    String client = guard.clientAddress(peer, req.getHeader("Forwarded"), req.getHeader("X-Forwarded-For"));
    String authorization = req.getHeader("Authorization");
    HandshakeGuard.Refusal refusal = guard.refusal(req.getHeader("Origin"), client, authorization);
    if (refusal != null) {
      metrics.rejectedHandshake();
      refusals.refused(client, refusal.status(), refusal.reason());
      if (refusal.retryAfterSeconds() > 0) {
        req.response().putHeader("Retry-After", Long.toString(refusal.retryAfterSeconds()));
      }
      refuse(req, refusal.status());
      return;
    }
    if (!accepting) {
      // shutting down: the client's retry goes to another server (or to this pod's successor)
      metrics.rejectedHandshake();
      refuse(req, 503);
      return;
    }
    if (sessions.size() >= limits.maxConnections()) {
      metrics.rejectedHandshake();
      log.warn("websocket handshake from {} refused: {} connections open, at OPAL_WS_MAX_CONNECTIONS",
          client, sessions.size());
      refuse(req, 503);
      return;
    }
    PeerClaims claims;
    try {
      claims = auth.authenticate(authorization);
    } catch (AuthenticationException e) {
      metrics.rejectedHandshake();
      guard.recordAuthFailure(client, authorization);
      refusals.refused(client, 403, e.getMessage());
      refuse(req, 403);
      return;
    }
    java.util.Map<String, String> query = new java.util.LinkedHashMap<>();
    req.params().forEach(query::put); // the last of repeated names, as upstream's dict of them
    String sourceHost = req.remoteAddress() == null ? null : req.remoteAddress().hostAddress();
    Integer sourcePort = req.remoteAddress() == null ? null : req.remoteAddress().port();
    SessionFrameHandler frames = new SessionFrameHandler(dispatcher, limits.maxInboundFrameBytes(), this::closed);
    WebSocketUpgrade.accept(req, limits.maxInboundFrameBytes(), limits.permessageDeflate(), frames, ctx -> {
      WebSocketSession session = new WebSocketSession(ctx, claims, limits.outboundQueueBytes(),
          limits.maxNotifyBytes(), metrics);
      frames.attach(session);
      if (!ctx.channel().isActive()) {
        return;
      }
      sessions.add(session);
      clients.connected(session, sourceHost, sourcePort, query);
      hub.register(session);
      log.debug("session {} ({}) connected", session.id(), session.peer());
    });
  }

  /** An HTTP error instead of the upgrade; the connection closes after it, as upstream's does. */
  private static void refuse(HttpServerRequest req, int status) {
    req.response().putHeader("Connection", "close").setStatusCode(status).end();
  }

  private void closed(WebSocketSession session) {
    if (session != null && sessions.remove(session)) {
      clients.closed(session);
      hub.unregister(session);
      log.debug("session {} ({}) closed", session.id(), session.peer());
    }
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
        s.ping();
      }
    }
  }

  public void startPinger(Vertx vertx) {
    long interval = limits.pingInterval().toMillis();
    if (interval > 0) {
      vertx.setPeriodic(interval, id -> pingAll());
    }
  }

  /** From now on every websocket handshake is answered 503 (graceful shutdown). */
  public void stopAccepting() {
    accepting = false;
  }

  /**
   * Closes every open session with {@code code}, spread evenly over {@code window} (the first at
   * once, the last at the window's end), and waits until the last close was sent. Blocks the
   * calling thread for about the window; call after {@link #stopAccepting()}.
   *
   * @return how many sessions were closed
   */
  public int closeSpread(CloseCodes code, String reason, java.time.Duration window) throws InterruptedException {
    java.util.List<WebSocketSession> open = java.util.List.copyOf(sessions);
    long start = System.nanoTime();
    for (int i = 0; i < open.size(); i++) {
      long wait = start + DrainSchedule.delayNanos(i, open.size(), window) - System.nanoTime();
      if (wait > 0) {
        java.util.concurrent.TimeUnit.NANOSECONDS.sleep(wait);
      }
      open.get(i).close(code, reason);
    }
    return open.size();
  }

  /** Closes every session (server shutdown). */
  public void closeAll(CloseCodes code, String reason) {
    for (WebSocketSession s : sessions) {
      s.close(code, reason);
    }
  }

  /** This worker's clients in upstream's {@code /pubsub_client_info} shape. */
  public String clientInfoJson() {
    return clients.json(hub.registry());
  }

  public int sessionCount() {
    return sessions.size();
  }
}
