package dev.opal4j.server.ws;

import dev.opal4j.core.hub.Subscriber;
import dev.opal4j.core.hub.Subscription;
import dev.opal4j.protocol.CloseCodes;
import dev.opal4j.protocol.Ids;
import dev.opal4j.protocol.NotifyFrames;
import dev.opal4j.server.auth.PeerClaims;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client websocket, on a plain Netty pipeline (see {@link WebSocketUpgrade}). {@link #send}
 * never blocks: frames are handed to the channel and their bytes counted until written; a client
 * whose unwritten bytes exceed the outbound limit is closed with 1013 (it reconnects and
 * re-fetches), so one slow client never slows the others.
 *
 * <p>Notifications, the hot path, are built on the socket's event loop as bytes straight into a
 * pooled buffer, websocket header included, and written to the channel; the flush is deferred to
 * a task queued behind the deliveries already waiting on that loop. Under load one {@code write(2)}
 * then carries every notification a socket got meanwhile; idle, the flush follows at once.
 *
 * <p>Thread-safe: {@code send} and the close methods may be called from any thread.
 */
public final class WebSocketSession implements Subscriber {
  private static final Logger log = LoggerFactory.getLogger(WebSocketSession.class);

  private static final long ABORT_GRACE_MILLIS = 2000;
  /** How long a closed session waits for the peer's close frame before dropping the connection. */
  private static final long CLOSE_HANDSHAKE_MILLIS = 5000;
  private static final int ID_LENGTH = 32;
  /** Unflushed notification bytes above which a socket is flushed at once rather than at the end of the batch. */
  private static final int FLUSH_EARLY_BYTES = 64 * 1024;
  private static final FastThreadLocal<byte[]> CALL_ID = new FastThreadLocal<>() {
    @Override
    protected byte[] initialValue() {
      return new byte[ID_LENGTH];
    }
  };
  private static final FastThreadLocal<PendingFlushes> PENDING_FLUSHES = new FastThreadLocal<>() {
    @Override
    protected PendingFlushes initialValue() {
      return new PendingFlushes();
    }
  };
  private final String id = Ids.uuidHex();
  private final byte[] idAscii = id.getBytes(StandardCharsets.US_ASCII);
  private final PeerClaims claims;
  private final String peer;
  private final long outboundLimit;
  private final int maxNotifyBytes;
  private final SessionMetrics metrics;
  private final AtomicLong pendingBytes = new AtomicLong();
  private final dev.opal4j.core.hub.DeliveryLane lane;
  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile long lastPongNanos = System.nanoTime();
  private volatile long pingSentNanos;
  /** The session's handler, last in the socket's pipeline: writes from here pass every encoder. */
  private final ChannelHandlerContext ctx;
  private boolean flushPending; // on the event loop only
  private long unflushedBytes; // on the event loop only
  private volatile boolean peerClosed;

  public WebSocketSession(ChannelHandlerContext ctx, PeerClaims claims, long outboundLimit, int maxNotifyBytes,
      SessionMetrics metrics) {
    this.ctx = ctx;
    this.claims = claims;
    this.outboundLimit = outboundLimit;
    this.maxNotifyBytes = maxNotifyBytes;
    this.metrics = metrics;
    this.peer = describe(ctx.channel().remoteAddress());
    this.lane = EventLoopLane.of(ctx.executor());
  }

  private static String describe(SocketAddress address) {
    return address instanceof InetSocketAddress inet && inet.getAddress() != null
        ? inet.getAddress().getHostAddress() + ":" + inet.getPort() : String.valueOf(address);
  }

  @Override
  public String id() {
    return id;
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
    if (ctx.executor().inEventLoop()) {
      writeNotify(subscription.id(), update);
    } else {
      ctx.executor().execute(() -> writeNotify(subscription.id(), update));
    }
  }

  /** On the socket's event loop: builds the notify frame as bytes and writes it, flush deferred. */
  private void writeNotify(String subscriptionId, NotifyFrames.Prepared update) {
    Channel channel = ctx.channel();
    // peerClosed: the peer's close frame arrived; nothing may follow our answer to it.
    if (closing.get() || peerClosed || !channel.isActive()) {
      return;
    }
    byte[] middle = update.middleUtf8();
    int size = NotifyFrames.HEAD_UTF8.length + subscriptionId.length() + NotifyFrames.BETWEEN_IDS_UTF8.length
        + id.length() + middle.length + ID_LENGTH + NotifyFrames.TAIL_UTF8.length;
    if (size > maxNotifyBytes) {
      tooLargeForClient(size);
      return;
    }
    long pending = unwrittenBytes(channel) + size;
    if (pending > outboundLimit && unflushedBytes > 0) {
      flushNow(); // only what the kernel would not take counts against the client
      pending = unwrittenBytes(channel) + size;
    }
    if (pending > outboundLimit) {
      slowConsumer(pending);
      return;
    }
    byte[] callId = CALL_ID.get();
    Ids.uuidHexInto(callId, 0);
    ByteBuf frame = ctx.alloc().buffer(frameHeaderLength(size) + size);
    writeFrameHeader(frame, size);
    frame.writeBytes(NotifyFrames.HEAD_UTF8);
    frame.writeCharSequence(subscriptionId, StandardCharsets.US_ASCII);
    frame.writeBytes(NotifyFrames.BETWEEN_IDS_UTF8).writeBytes(idAscii).writeBytes(middle).writeBytes(callId)
        .writeBytes(NotifyFrames.TAIL_UTF8);
    // Already a websocket frame: it passes the frame encoder untouched (and, RSV1 clear, is an
    // uncompressed message even where permessage-deflate was agreed, as RFC 7692 allows).
    ctx.write(frame, ctx.voidPromise());
    unflushedBytes += size;
    if (unflushedBytes >= FLUSH_EARLY_BYTES) {
      flushNow();
    } else if (!flushPending) {
      flushPending = true;
      PENDING_FLUSHES.get().add(this, ctx);
    }
    metrics.delivered();
  }

  private static int frameHeaderLength(int payload) {
    return payload < 126 ? 2 : payload < 65_536 ? 4 : 10;
  }

  /** RFC 6455 header of a final, unmasked text frame (server to client). */
  private static void writeFrameHeader(ByteBuf out, int payload) {
    out.writeByte(0x81);
    if (payload < 126) {
      out.writeByte(payload);
    } else if (payload < 65_536) {
      out.writeByte(126).writeShort(payload);
    } else {
      out.writeByte(127).writeLong(payload);
    }
  }

  /** Bytes handed to this socket and not yet taken by the kernel: RPC frames in flight and Netty's buffer. */
  private long unwrittenBytes(Channel channel) {
    ChannelOutboundBuffer netty = channel.unsafe().outboundBuffer();
    return pendingBytes.get() + (netty == null ? 0 : netty.totalPendingWriteBytes());
  }

  private void flushNow() {
    unflushedBytes = 0;
    ctx.flush();
  }

  /** A notification the client would drop (1009): close with 1012 so it re-fetches instead. */
  private void tooLargeForClient(long bytes) {
    metrics.oversizeNotify();
    log.error("session {} ({}): a notification of {} bytes exceeds the client's receive limit of {} bytes"
        + " (OPAL_WS_MAX_NOTIFY_BYTES); closing with 1012 so the client re-fetches its full state", id, peer,
        bytes, maxNotifyBytes);
    close(CloseCodes.SERVICE_RESTART, "update too large for this client; reconnect and re-fetch");
  }

  private void slowConsumer(long pending) {
    metrics.slowConsumer();
    log.warn("session {} ({}): {} bytes waiting to be written exceed the outbound limit of {} bytes"
        + " (OPAL_WS_OUTBOUND_QUEUE_BYTES); closing the slow client with 1013", id, peer, pending, outboundLimit);
    abort(CloseCodes.TRY_AGAIN_LATER, "slow consumer: outbound queue overflow");
  }

  /**
   * The sockets of one event loop with notifications written but not flushed. The flush task is
   * queued behind the deliveries already waiting on the loop, so they share one flush per socket.
   */
  private static final class PendingFlushes implements Runnable {
    private ArrayList<WebSocketSession> sessions = new ArrayList<>();
    private ArrayList<WebSocketSession> spare = new ArrayList<>();

    void add(WebSocketSession session, ChannelHandlerContext ctx) {
      sessions.add(session);
      if (sessions.size() == 1) {
        ctx.executor().execute(this);
      }
    }

    @Override
    public void run() {
      ArrayList<WebSocketSession> due = sessions;
      sessions = spare;
      for (WebSocketSession s : due) {
        s.flushPending = false;
        if (s.unflushedBytes > 0) {
          s.flushNow();
        }
      }
      due.clear();
      spare = due;
    }
  }

  /** Sends an RPC response or request frame (counted against the outbound limit like notifications). */
  public void sendText(String frame) {
    if (closing.get() || peerClosed) {
      return;
    }
    long size = frame.length(); // a close lower bound of the UTF-8 size, and cheap
    long pending = pendingBytes.addAndGet(size);
    if (pending > outboundLimit) {
      pendingBytes.addAndGet(-size);
      slowConsumer(pending);
      return;
    }
    ctx.writeAndFlush(new TextWebSocketFrame(frame)).addListener(f -> pendingBytes.addAndGet(-size));
  }

  /** Sends a protocol ping (the keepalive). */
  void ping() {
    if (!closing.get() && !peerClosed) {
      ctx.writeAndFlush(new PingWebSocketFrame());
    }
  }

  @Override
  public void closeForResync() {
    close(CloseCodes.SERVICE_RESTART, "backbone resync: reconnect and re-fetch policy and data");
  }

  /**
   * Starts the closing handshake with a code and a reason (trimmed to the 123 bytes a close frame
   * allows); the connection is dropped when the peer answers, or after a grace period. Idempotent.
   */
  public void close(CloseCodes code, String reason) {
    closeWithin(code, reason, CLOSE_HANDSHAKE_MILLIS);
  }

  /**
   * Closes a peer that is not reading: the close frame is queued behind everything it did not read,
   * so after a short grace the TCP connection is dropped and the queued bytes are freed.
   */
  public void abort(CloseCodes code, String reason) {
    closeWithin(code, reason, ABORT_GRACE_MILLIS);
  }

  private void closeWithin(CloseCodes code, String reason, long graceMillis) {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    Channel channel = ctx.channel();
    if (peerClosed) {
      channel.close(); // the peer's close frame was already answered
      return;
    }
    ctx.writeAndFlush(new CloseWebSocketFrame(code.code(), trimReason(reason)));
    ctx.executor().schedule(() -> {
      if (channel.isOpen()) {
        log.debug("session {} ({}): peer did not complete the close handshake; dropping the connection", id, peer);
        // unsafe().close drops the socket and frees what the peer did not read, without flushing it first.
        channel.unsafe().close(channel.voidPromise());
      }
    }, graceMillis, TimeUnit.MILLISECONDS);
  }

  /**
   * After a frame broke the protocol, nothing more can be decoded, not even the peer's answer to
   * our close frame: drop the connection as soon as everything queued (the close frame) is written.
   */
  void dropOnceWritten() {
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * The peer's close frame arrived (on the event loop): answers it with the same code unless our
   * own close frame went first, then closes the connection once the answer is written.
   */
  void peerClosed(CloseWebSocketFrame frame) {
    peerClosed = true;
    Channel channel = ctx.channel();
    if (closing.compareAndSet(false, true)) {
      int code = frame.statusCode();
      CloseWebSocketFrame answer = code < 0 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, "");
      ctx.writeAndFlush(answer).addListener(f -> channel.close());
    } else {
      channel.close();
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
