package dev.opal4j.server.ws;

import dev.opal4j.core.hub.Subscriber;
import dev.opal4j.core.hub.Subscription;
import dev.opal4j.protocol.CloseCodes;
import dev.opal4j.protocol.Ids;
import dev.opal4j.protocol.NotifyFrames;
import dev.opal4j.server.auth.PeerClaims;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.TimeUnit;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.internal.http.WebSocketInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client websocket. {@link #send} never blocks: frames are handed to the transport and their
 * bytes counted until written; a client whose unwritten bytes exceed the outbound limit is closed
 * with 1013 (it reconnects and re-fetches), so one slow client never slows the others.
 *
 * <p>Thread-safe: {@code send} and the close methods may be called from any thread.
 */
public final class WebSocketSession implements Subscriber {
  private static final Logger log = LoggerFactory.getLogger(WebSocketSession.class);

  private static final long ABORT_GRACE_MILLIS = 2000;
  private final String id = Ids.uuidHex();
  private final ServerWebSocket ws;
  private final PeerClaims claims;
  private final String peer;
  private final long outboundLimit;
  private final int maxNotifyBytes;
  private final SessionMetrics metrics;
  private final AtomicLong pendingBytes = new AtomicLong();
  private volatile dev.opal4j.core.hub.DeliveryLane lane;
  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile long lastPongNanos = System.nanoTime();
  private volatile long pingSentNanos;

  public WebSocketSession(ServerWebSocket ws, PeerClaims claims, long outboundLimit, int maxNotifyBytes,
      SessionMetrics metrics) {
    this.ws = ws;
    this.claims = claims;
    this.outboundLimit = outboundLimit;
    this.maxNotifyBytes = maxNotifyBytes;
    this.metrics = metrics;
    this.peer = String.valueOf(ws.remoteAddress());
  }

  @Override
  public String id() {
    return id;
  }

  /** Binds deliveries to the event loop that owns this socket (call on that loop). */
  void bindToCurrentEventLoop() {
    lane = ContextLane.current();
  }

  @Override
  public dev.opal4j.core.hub.DeliveryLane lane() {
    return lane;
  }

  public PeerClaims claims() {
    return claims;
  }

  public String peer() {
    return peer;
  }

  @Override
  public void send(Subscription subscription, NotifyFrames.Prepared update) {
    if (closing.get()) {
      return;
    }
    String frame = update.frame(subscription.id(), id, Ids.uuidHex());
    sendText(frame, true);
  }

  /** Sends an RPC response or request frame (counted like notifications). */
  public void sendText(String frame, boolean isNotify) {
    if (closing.get()) {
      return;
    }
    // Notify frames of ASCII ids + JSON: length() is a cheap, close lower bound of the UTF-8 size.
    long size = frame.length();
    if (isNotify && size > maxNotifyBytes) {
      long exact = frame.getBytes(StandardCharsets.UTF_8).length;
      if (exact > maxNotifyBytes) {
        metrics.oversizeNotify();
        log.error("session {} ({}): a notification of {} bytes exceeds the client's receive limit of {} bytes"
            + " (OPAL_WS_MAX_NOTIFY_BYTES); closing with 1012 so the client re-fetches its full state", id, peer,
            exact, maxNotifyBytes);
        close(CloseCodes.SERVICE_RESTART, "update too large for this client; reconnect and re-fetch");
        return;
      }
    }
    long pending = pendingBytes.addAndGet(size);
    if (pending > outboundLimit) {
      metrics.slowConsumer();
      log.warn("session {} ({}): {} bytes waiting to be written exceed the outbound limit of {} bytes"
          + " (OPAL_WS_OUTBOUND_QUEUE_BYTES); closing the slow client with 1013", id, peer, pending, outboundLimit);
      abort(CloseCodes.TRY_AGAIN_LATER, "slow consumer: outbound queue overflow");
      return;
    }
    ws.writeTextMessage(frame).onComplete(ar -> pendingBytes.addAndGet(-size));
    if (isNotify) {
      metrics.delivered();
    }
  }

  @Override
  public void closeForResync() {
    close(CloseCodes.SERVICE_RESTART, "backbone resync: reconnect and re-fetch policy and data");
  }

  /** Closes with a code and a reason (trimmed to the 123 bytes a close frame allows). Idempotent. */
  public void close(CloseCodes code, String reason) {
    if (closing.compareAndSet(false, true)) {
      ws.close((short) code.code(), trimReason(reason));
    }
  }

  /**
   * Closes a peer that is not reading: the close frame is queued behind everything it did not read,
   * so after a short grace the TCP connection is dropped and the queued bytes are freed.
   */
  public void abort(CloseCodes code, String reason) {
    close(code, reason);
    if (ws instanceof WebSocketInternal internal) {
      ChannelHandlerContext ctx = internal.channelHandlerContext();
      ctx.executor().schedule(() -> {
        if (ctx.channel().isOpen()) {
          log.info("session {} ({}): peer did not complete the close handshake; dropping the connection", id, peer);
          // Through the pipeline, Vert.x would first flush what the peer is not reading; the
          // channel's unsafe close drops the socket and frees the queued bytes now.
          ctx.channel().unsafe().close(ctx.channel().voidPromise());
        }
      }, ABORT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  public boolean isClosing() {
    return closing.get();
  }

  void pinged(long nowNanos) {
    pingSentNanos = nowNanos;
  }

  void ponged(long nowNanos) {
    lastPongNanos = nowNanos;
  }

  /** True if a ping was sent and no pong has come back within {@code timeoutNanos}. */
  boolean pongOverdue(long nowNanos, long timeoutNanos) {
    long sent = pingSentNanos;
    return sent != 0 && lastPongNanos - sent < 0 && nowNanos - sent > timeoutNanos;
  }

  ServerWebSocket socket() {
    return ws;
  }

  static String trimReason(String reason) {
    byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= 123) {
      return reason;
    }
    int end = 120;
    while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
      end--;
    }
    return new String(bytes, 0, end, StandardCharsets.UTF_8) + "...";
  }
}
