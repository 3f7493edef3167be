package dev.opal4j.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.CloseCodes;
import dev.opal4j.protocol.Ids;
import dev.opal4j.protocol.Json;
import dev.opal4j.protocol.RpcMessage;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A websocket subscriber that speaks OPAL's RPC exactly like the Python OPAL client's data updater
 * (opal-protocol.md §1): {@code Authorization: Bearer} on the handshake, {@code _ping_} readiness
 * probes, one {@code subscribe} with all topics, then a {@code "None"} answer to every {@code
 * notify}. It answers the server's {@code _ping_}/{@code ping}/{@code _get_channel_id_}, joins
 * fragmented text frames, enforces the Python client's 1 MiB inbound limit (close 1009) and sends
 * protocol pings like {@code websockets} does. It never reconnects: {@link #closeStatus()} tells
 * how the connection ended.
 *
 * <pre>{@code
 * try (OpalSubscriber s = OpalSubscriber.connect(URI.create("ws://localhost:7002/ws"),
 *     Optional.of(token), List.of("policy_data"), (topic, data) -> ...)) {
 *   ...
 * }
 * }</pre>
 */
public final class OpalSubscriber implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OpalSubscriber.class);
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "opal-subscriber-timer");
        t.setDaemon(true);
        return t;
      });

  private final URI uri;
  private final List<String> topics;
  private final SubscriberOptions options;
  private final RpcClientChannel channel;
  private final TextFrameAssembler assembler;
  private final CompletableFuture<CloseStatus> closeStatus = new CompletableFuture<>();
  private final Object sendLock = new Object();
  private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);
  private volatile WebSocket webSocket;
  private volatile HttpClient ownedClient;
  private volatile CloseStatus localClose;
  private volatile ScheduledFuture<?> keepalive;
  private long lastPingNanos;
  private boolean awaitingPong;

  private OpalSubscriber(URI uri, List<String> topics, NotificationListener listener, SubscriberOptions options) {
    this.uri = uri;
    this.topics = topics;
    this.options = options;
    this.assembler = new TextFrameAssembler(options.maxMessageBytes());
    this.channel = new RpcClientChannel(Ids.uuidHex(), listener, new RpcClientChannel.Transport() {
      @Override
      public void send(String frame) {
        sendText(frame);
      }

      @Override
      public void fail(int closeCode, String reason) {
        LOG.warn("closing the connection to {}: {}", OpalSubscriber.this.uri, reason);
        closeLocally(closeCode, reason);
      }
    });
  }

  /** {@link #connect(URI, Optional, List, NotificationListener, SubscriberOptions)} with defaults. */
  public static OpalSubscriber connect(URI ws, Optional<String> token, List<String> topics,
      NotificationListener listener) throws OpalConnectException, InterruptedException {
    return connect(ws, token, topics, listener, SubscriberOptions.defaults());
  }

  /**
   * Connects, waits for the RPC channel to answer {@code _ping_} (best effort, like Python), and
   * subscribes. Returns once the server answered {@code subscribe} with {@code true}.
   *
   * @param ws the pub/sub URL, e.g. {@code ws://localhost:7002/ws}
   * @param token sent as {@code Authorization: Bearer <token>} when present
   * @param topics topics for the single {@code subscribe} call
   * @throws OpalConnectException when the server cannot be reached, refuses the handshake (e.g.
   *     HTTP 403), times out, closes early or answers {@code subscribe} with {@code false}
   */
  public static OpalSubscriber connect(URI ws, Optional<String> token, List<String> topics,
      NotificationListener listener, SubscriberOptions options) throws OpalConnectException, InterruptedException {
    Objects.requireNonNull(ws, "ws");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(options, "options");
    OpalSubscriber subscriber = new OpalSubscriber(ws, List.copyOf(topics), listener, options);
    boolean ok = false;
    try {
      subscriber.open(token);
      subscriber.awaitRpcReady();
      subscriber.subscribe();
      subscriber.announceForStatistics();
      subscriber.startKeepalive();
      ok = true;
      return subscriber;
    } finally {
      if (!ok) {
        subscriber.closeWithin(Duration.ofSeconds(1));
      }
    }
  }

  /** The URL this subscriber connected to. */
  public URI uri() {
    return uri;
  }

  public List<String> topics() {
    return topics;
  }

  /** Our RPC channel id, returned to the server's {@code _get_channel_id_}. */
  public String channelId() {
    return channel.channelId();
  }

  public boolean isOpen() {
    return !closeStatus.isDone();
  }

  /** Completes when the connection has ended, for whatever reason. Never fails. */
  public CompletableFuture<CloseStatus> closeStatus() {
    return closeStatus;
  }

  /** The close code once the connection has ended (see {@link CloseStatus#code()}). */
  public CompletableFuture<Integer> closeCode() {
    return closeStatus.thenApply(CloseStatus::code);
  }

  /**
   * Calls a server RPC method; completes with its {@code result} (for {@code publish}: a boolean
   * node). Fails with an {@link IOException} if the connection ends first.
   */
  public CompletableFuture<JsonNode> call(String method, ObjectNode arguments) {
    return channel.call(method, arguments).thenApply(RpcMessage.Response::result);
  }

  /**
   * Publishes through the server, as the Python client's {@code PubSubClient.publish} does
   * ({@code sync=true}, {@code notifier_id=null}). Completes with the server's boolean answer.
   */
  public CompletableFuture<Boolean> publish(List<String> publishTopics, JsonNode data) {
    ObjectNode args = Json.object();
    ArrayNode t = args.putArray("topics");
    publishTopics.forEach(t::add);
    args.set("data", data == null ? NullNode.instance : data);
    args.put("sync", true);
    args.putNull("notifier_id");
    return call("publish", args).thenApply(JsonNode::asBoolean);
  }

  /**
   * Closes with 1000 and waits (up to 5 s) for the server's close frame, then drops the
   * connection if it has not ended. Idempotent.
   */
  @Override
  public void close() {
    closeWithin(CLOSE_GRACE);
  }

  private void closeWithin(Duration grace) {
    closeLocally(CloseCodes.NORMAL.code(), "");
    try {
      closeStatus.get(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abort();
      return;
    } catch (ExecutionException | TimeoutException e) {
      abort();
      return;
    }
    awaitOutputClosed(Duration.ofMillis(500));
  }

  /**
   * Closed: give java.net.http a moment to finish sending its close frame (the answer to the
   * server's, sent after onClose returns), so a caller that exits next does not cut it off.
   */
  private void awaitOutputClosed(Duration max) {
    WebSocket ws = webSocket;
    long deadline = System.nanoTime() + max.toNanos();
    while (ws != null && !ws.isOutputClosed() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Drops the TCP connection without a close handshake. Idempotent. */
  public void abort() {
    WebSocket ws = webSocket;
    if (ws != null) {
      ws.abort();
    }
    CloseStatus local = localClose;
    finish(local != null ? local : new CloseStatus(CloseStatus.ABNORMAL, "aborted by the client", false));
  }

  private void open(Optional<String> token) throws OpalConnectException, InterruptedException {
    HttpClient client = options.httpClient().orElseGet(() -> {
      HttpClient c = HttpClient.newBuilder().connectTimeout(options.handshakeTimeout()).build();
      ownedClient = c;
      return c;
    });
    WebSocket.Builder builder = client.newWebSocketBuilder().connectTimeout(options.handshakeTimeout());
    token.ifPresent(t -> builder.header("Authorization", "Bearer " + t));
    options.headers().forEach(builder::header);
    CompletableFuture<WebSocket> opening = builder.buildAsync(target(), new Listener());
    try {
      WebSocket ws = opening.get(options.handshakeTimeout().plusSeconds(1).toMillis(), TimeUnit.MILLISECONDS);
      webSocket = ws;
    } catch (ExecutionException e) {
      throw handshakeFailure(e.getCause());
    } catch (TimeoutException e) {
      opening.cancel(true);
      throw new OpalConnectException(OpalConnectException.Kind.TIMEOUT,
          "no websocket handshake with " + uri + " within " + options.handshakeTimeout().toMillis() + " ms", e);
    }
  }

  private URI target() {
    if (options.clientId().isEmpty()) {
      return uri;
    }
    String param = "__opal_client_id=" + URLEncoder.encode(options.clientId().get(), StandardCharsets.UTF_8);
    String s = uri.toString();
    int hash = s.indexOf('#');
    String base = hash < 0 ? s : s.substring(0, hash);
    return URI.create(base + (uri.getRawQuery() == null ? "?" : "&") + param);
  }

  private OpalConnectException handshakeFailure(Throwable failure) {
    Throwable c = failure;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof WebSocketHandshakeException h) {
      int status = h.getResponse().statusCode();
      return new OpalConnectException(OpalConnectException.Kind.HANDSHAKE_REJECTED,
          "server refused the connection: HTTP " + status + handshakeHint(status), status, c);
    }
    if (c instanceof HttpTimeoutException) {
      return new OpalConnectException(OpalConnectException.Kind.TIMEOUT,
          "no websocket handshake with " + uri + " within " + options.handshakeTimeout().toMillis() + " ms", c);
    }
    String why;
    if (c instanceof ConnectException) {
      why = "connection refused";
    } else if (c instanceof UnresolvedAddressException || c instanceof UnknownHostException) {
      why = "unknown host " + uri.getHost();
    } else {
      why = c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    }
    return new OpalConnectException(OpalConnectException.Kind.UNREACHABLE, "could not connect to " + uri + ": " + why, c);
  }

  /** Explains the statuses an OPAL server answers a websocket upgrade with. */
  static String handshakeHint(int status) {
    return switch (status) {
      case 401, 403 -> " (bad or missing token)";
      case 404 -> " (no OPAL websocket at this URL; the pub/sub route is /ws)";
      case 429 -> " (server is rate-limiting connections)";
      case 503 -> " (server unavailable)";
      default -> "";
    };
  }

  /** Python's {@code wait_on_rpc_ready}: probe with {@code _ping_}, but go on even without an answer. */
  private void awaitRpcReady() throws OpalConnectException, InterruptedException {
    for (int i = 0; i < options.readyPingAttempts(); i++) {
      CompletableFuture<RpcMessage.Response> ping = channel.call("_ping_", Json.object());
      try {
        RpcMessage.Response r = ping.get(options.readyPingTimeout().toMillis(), TimeUnit.MILLISECONDS);
        if (r.result() != null && "pong".equals(r.result().asText())) {
          return;
        }
      } catch (TimeoutException e) {
        ping.cancel(false);
      } catch (ExecutionException e) {
        throw closedDuringSetup("_ping_");
      }
    }
    LOG.debug("{} did not answer _ping_; subscribing anyway", uri);
  }

  /** Upstream's topic for a client's statistics announcement ({@code OPAL_STATISTICS_ADD_CLIENT_CHANNEL}). */
  public static final String STATISTICS_ADD_CLIENT_CHANNEL = "__opal_stats_add";

  /**
   * With {@link SubscriberOptions#statisticsClientId()}: publishes {@code {topics, client_id,
   * rpc_id}} on {@code __opal_stats_add} and waits for the answer, as upstream's client does on
   * every (re)connect; the server removes the entry when this connection closes. A server that
   * refuses the publish leaves the subscriber working (statistics are best effort).
   */
  private void announceForStatistics() throws InterruptedException {
    if (options.statisticsClientId().isEmpty()) {
      return;
    }
    ObjectNode data = Json.object();
    topics.forEach(data.putArray("topics")::add);
    data.put("client_id", options.statisticsClientId().get());
    data.put("rpc_id", channelId());
    try {
      publish(List.of(STATISTICS_ADD_CLIENT_CHANNEL), data).get(options.subscribeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.warn("statistics announcement to {} not confirmed: {}", uri, e.getMessage());
    }
  }

  private void subscribe() throws OpalConnectException, InterruptedException {
    ObjectNode args = Json.object();
    ArrayNode t = args.putArray("topics");
    topics.forEach(t::add);
    CompletableFuture<RpcMessage.Response> call = channel.call("subscribe", args);
    RpcMessage.Response response;
    try {
      response = call.get(options.subscribeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      call.cancel(false);
      throw new OpalConnectException(OpalConnectException.Kind.TIMEOUT,
          "server did not answer subscribe within " + options.subscribeTimeout().toMillis() + " ms", e);
    } catch (ExecutionException e) {
      throw closedDuringSetup("subscribe");
    }
    JsonNode result = response.result();
    if (result == null || !result.isBoolean() || !result.booleanValue()) {
      throw new OpalConnectException(OpalConnectException.Kind.SUBSCRIPTION_REFUSED,
          "server refused the subscription to " + topics + " (subscribe returned "
              + (result == null ? "nothing" : Json.write(result))
              + "; are the topics outside the token's permitted_topics?)", null);
    }
  }

  private OpalConnectException closedDuringSetup(String step) {
    CloseStatus status = closeStatus.getNow(null);
    return new OpalConnectException(OpalConnectException.Kind.CLOSED_DURING_SETUP,
        "connection closed before the " + step + " response"
            + (status == null ? "" : ": close code " + status), null);
  }

  private void startKeepalive() {
    Duration interval = options.pingInterval();
    Duration timeout = options.pingTimeout();
    if (interval.isZero() || interval.isNegative()) {
      return;
    }
    long tick = timeout.isZero() || timeout.isNegative()
        ? interval.toMillis() : Math.min(interval.toMillis(), timeout.toMillis());
    synchronized (this) {
      lastPingNanos = System.nanoTime();
    }
    keepalive = TIMER.scheduleAtFixedRate(this::keepaliveTick, tick, tick, TimeUnit.MILLISECONDS);
    if (closeStatus.isDone()) {
      keepalive.cancel(false);
    }
  }

  private void keepaliveTick() {
    WebSocket ws = webSocket;
    if (ws == null || closeStatus.isDone()) {
      return;
    }
    long now = System.nanoTime();
    boolean timedOut;
    boolean sendPing = false;
    synchronized (this) {
      Duration timeout = options.pingTimeout();
      timedOut = awaitingPong && !timeout.isZero() && now - lastPingNanos >= timeout.toNanos();
      if (!awaitingPong && now - lastPingNanos >= options.pingInterval().toNanos()) {
        awaitingPong = true;
        lastPingNanos = now;
        sendPing = true;
      }
    }
    if (timedOut) {
      LOG.warn("no pong from {} within {} ms; closing", uri, options.pingTimeout().toMillis());
      closeLocally(CloseCodes.INTERNAL_ERROR.code(), "keepalive ping timeout");
    } else if (sendPing) {
      try {
        ws.sendPing(ByteBuffer.wrap(Ids.uuidHex().substring(0, 8).getBytes(StandardCharsets.US_ASCII)));
      } catch (RuntimeException e) {
        LOG.debug("could not send a ping to {}", uri, e);
      }
    }
  }

  private void sendText(String frame) {
    WebSocket ws = webSocket;
    if (ws == null) {
      throw new IllegalStateException("not connected");
    }
    synchronized (sendLock) {
      // java.net.http.WebSocket refuses a send while the previous one is incomplete: queue them.
      lastSend = lastSend.exceptionally(e -> null).thenCompose(v -> ws.sendText(frame, true));
      lastSend.whenComplete((v, e) -> {
        if (e != null && !closeStatus.isDone()) {
          LOG.debug("send to {} failed", uri, e);
        }
      });
    }
  }

  /** Sends our close frame (once) and aborts if the server does not complete the handshake in time. */
  private void closeLocally(int code, String reason) {
    WebSocket ws = webSocket;
    synchronized (this) {
      if (localClose != null || closeStatus.isDone()) {
        return;
      }
      localClose = new CloseStatus(code, reason, false);
    }
    if (ws == null) {
      finish(localClose);
      return;
    }
    String wireReason = truncateUtf8(reason, 123);
    int wireCode = wireCloseCode(code);
    synchronized (sendLock) {
      lastSend = lastSend.exceptionally(e -> null).thenCompose(v -> ws.sendClose(wireCode, wireReason));
    }
    TIMER.schedule(() -> {
      if (!closeStatus.isDone()) {
        ws.abort();
        finish(localClose);
      }
    }, CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The code we can put on the wire: java.net.http refuses to let a client send 1002, 1003, 1007,
   * 1009, 1010 or 1012-1014, so those go out as 1008 (policy violation) with the reason telling
   * why. {@link #closeStatus()} still reports the precise code (e.g. 1009 for an oversized message,
   * what the Python client would send).
   */
  static int wireCloseCode(int code) {
    return switch (code) {
      case 1002, 1003, 1007, 1009, 1010, 1012, 1013, 1014 -> CloseCodes.POLICY_VIOLATION.code();
      default -> code;
    };
  }

  /** A close reason may hold at most 123 UTF-8 bytes. */
  static String truncateUtf8(String s, int maxBytes) {
    if (s.getBytes(StandardCharsets.UTF_8).length <= maxBytes) {
      return s;
    }
    StringBuilder sb = new StringBuilder();
    int bytes = 0;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
      if (bytes + n > maxBytes) {
        break;
      }
      sb.appendCodePoint(cp);
      bytes += n;
      i += Character.charCount(cp);
    }
    return sb.toString();
  }

  private void finish(CloseStatus status) {
    if (!closeStatus.complete(status)) {
      return;
    }
    channel.close(new IOException("connection to " + uri + " closed: " + status));
    ScheduledFuture<?> k = keepalive;
    if (k != null) {
      k.cancel(false);
    }
    HttpClient c = ownedClient;
    if (c != null) {
      // Not at once: java.net.http answers the server's close frame after onClose returns, and
      // shutting the client down first would cut the connection before that reply (1006 for the server).
      TIMER.schedule(c::shutdownNow, 1, TimeUnit.SECONDS);
    }
  }

  private final class Listener implements WebSocket.Listener {
    @Override
    public void onOpen(WebSocket ws) {
      webSocket = ws;
      ws.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      try {
        String message = assembler.append(data, last);
        if (message != null && localClose == null) {
          channel.onMessage(message);
        }
      } catch (TextFrameAssembler.TooBigException e) {
        LOG.warn("closing the connection to {}: {}", uri, e.getMessage());
        closeLocally(CloseCodes.MESSAGE_TOO_BIG.code(), "message too big: " + e.getMessage());
      } catch (RuntimeException e) {
        LOG.warn("failed to handle a message from {}", uri, e);
        closeLocally(CloseCodes.INTERNAL_ERROR.code(), "client error");
      } finally {
        ws.request(1);
      }
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      if (localClose == null) {
        LOG.warn("closing the connection to {}: binary frames are not part of OPAL's RPC", uri);
        closeLocally(CloseCodes.UNSUPPORTED_DATA.code(), "binary frames are not supported");
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
      synchronized (OpalSubscriber.this) {
        awaitingPong = false;
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      CloseStatus local = localClose;
      finish(local != null ? local : new CloseStatus(statusCode, reason == null ? "" : reason, true));
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      CloseStatus local = localClose;
      String why = error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
      finish(local != null ? local : new CloseStatus(CloseStatus.ABNORMAL, why, false));
    }
  }
}
