package dev.opal4j.broadcast.redis;

import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.MessageRejectedException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pub/sub on one channel over two Lettuce connections: one in subscriber mode, one that publishes.
 *
 * <p>Thread-safety: {@link #publish} may be called from any thread; commands from one thread go
 * out in call order on the single publishing connection. Listener callbacks run on a Netty event
 * loop thread, in the order Redis delivers them.
 */
final class RedisBroadcaster implements Broadcaster {
  private static final Logger log = LoggerFactory.getLogger(RedisBroadcaster.class);

  private final RedisURI redisUri;
  private final String channel;
  private final String redactedUri;
  private final BroadcastListener listener;
  private final Duration healthInterval;
  private final AtomicBoolean lost = new AtomicBoolean();
  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile boolean connected;
  private volatile boolean closed;
  private RedisClient client;
  private volatile StatefulRedisPubSubConnection<String, String> subscriber;
  private volatile StatefulRedisConnection<String, String> publisher;
  private volatile long maxBulkBytes = -1;
  private ScheduledFuture<?> healthCheck;

  RedisBroadcaster(
      RedisURI redisUri, String channel, String redactedUri, BroadcastListener listener, Duration healthInterval) {
    this.redisUri = redisUri;
    this.channel = channel;
    this.redactedUri = redactedUri;
    this.listener = listener;
    this.healthInterval = healthInterval;
  }

  @Override
  public void connect() throws BroadcastException {
    if (closed) {
      throw new BackboneUnavailableException("redis broadcaster for " + redactedUri + " is closed");
    }
    client = RedisClient.create(RedisResources.clientResources(), redisUri);
    client.setOptions(clientOptions());
    client.addListener(
        new RedisConnectionStateListener() {
          @Override
          public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
            if (connected) {
              connectionLost(new RedisException("connection to " + redactedUri + " closed"));
            }
          }
        });
    try {
      subscriber = connectPubSub();
      subscriber.addListener(
          new RedisPubSubAdapter<>() {
            @Override
            public void message(String from, String message) {
              if (!closed && channel.equals(from)) {
                deliver(message);
              }
            }
          });
      // Returns once Redis confirmed the subscription, so later publishes are all heard.
      subscriber.sync().subscribe(channel);
      publisher = client.connect(redisUri);
      maxBulkBytes = readMaxBulkBytes(publisher);
    } catch (RuntimeException e) {
      shutdownClient();
      throw new BackboneUnavailableException(
          "cannot connect to the Redis backbone at " + redactedUri + ": " + describe(e), e);
    }
    connected = true;
    // A drop between SUBSCRIBE and here fired no loss event; check once now that we listen.
    if (!subscriber.isOpen() || !publisher.isOpen()) {
      shutdownClient();
      throw new BackboneUnavailableException(
          "the Redis backbone at " + redactedUri + " closed the connection while subscribing");
    }
    healthCheck =
        RedisResources.healthChecks()
            .scheduleWithFixedDelay(
                this::checkHealth, healthInterval.toMillis(), healthInterval.toMillis(), TimeUnit.MILLISECONDS);
    log.info("Redis backbone {} connected, subscribed to channel {}", redactedUri, channel);
  }

  /**
   * When the server refuses the handshake (a missing or wrong password), Lettuce sometimes closes
   * the channel before its connect listener runs and reports only "RedisHandshakeHandler not
   * registered", losing the server's answer. The answer is the same on a second try, which almost
   * always reports it; without it the operator could not tell a bad password from a bug.
   */
  private StatefulRedisPubSubConnection<String, String> connectPubSub() {
    try {
      return client.connectPubSub(redisUri);
    } catch (RuntimeException e) {
      if (!handshakeReasonLost(e)) {
        throw e;
      }
      log.debug("Redis backbone {}: handshake failed without a reason; trying once more to read it",
          redactedUri);
      return client.connectPubSub(redisUri);
    }
  }

  private static boolean handshakeReasonLost(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof IllegalStateException
          && String.valueOf(t.getMessage()).contains("RedisHandshakeHandler not registered")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Redis refuses a command argument longer than {@code proto-max-bulk-len} and then drops the whole
   * connection, so a PUBLISH that big must never be sent. Managed servers often forbid CONFIG: the
   * limit is then unknown (-1), as it is on upstream OPAL.
   */
  private long readMaxBulkBytes(StatefulRedisConnection<String, String> connection) {
    try {
      Map<String, String> config = connection.sync().configGet("proto-max-bulk-len");
      String value = config.get("proto-max-bulk-len");
      return value == null ? -1 : Long.parseLong(value.strip());
    } catch (RedisException | NumberFormatException e) {
      log.debug("Redis backbone {}: cannot read proto-max-bulk-len ({}); message size limit unknown",
          redactedUri, describe(e));
      return -1;
    }
  }

  @Override
  public int maxMessageBytes() {
    long max = maxBulkBytes;
    return max < 0 ? -1 : (int) Math.min(Integer.MAX_VALUE, max);
  }

  private ClientOptions clientOptions() {
    return ClientOptions.builder()
        // The opal4j supervisor owns reconnecting, so that it knows a gap happened.
        .autoReconnect(false)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .socketOptions(
            SocketOptions.builder()
                .connectTimeout(redisUri.getTimeout())
                .keepAlive(
                    SocketOptions.KeepAliveOptions.builder()
                        .enable()
                        .idle(Duration.ofSeconds(30))
                        .interval(Duration.ofSeconds(10))
                        .count(3)
                        .build())
                .build())
        // Async PUBLISH futures must complete even if the server stops answering.
        .timeoutOptions(TimeoutOptions.enabled(redisUri.getTimeout()))
        .build();
  }

  @Override
  public CompletableFuture<Void> publish(String message) {
    StatefulRedisConnection<String, String> connection = publisher;
    if (connection == null || closed) {
      return CompletableFuture.failedFuture(unavailable(closed ? "the broadcaster is closed" : "not connected", null));
    }
    if (lost.get()) {
      return CompletableFuture.failedFuture(unavailable("the connection was lost", null));
    }
    long max = maxBulkBytes;
    // A UTF-16 char encodes to at most 3 bytes: only near the limit is the exact size worth computing.
    if (max >= 0 && message.length() * 3L > max) {
      int bytes = message.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > max) {
        return CompletableFuture.failedFuture(new MessageRejectedException("message of " + bytes
            + " bytes exceeds the Redis limit of " + max + " bytes (proto-max-bulk-len of " + redactedUri + ")"));
      }
    }
    CompletableFuture<Void> result = new CompletableFuture<>();
    try {
      connection
          .async()
          .publish(channel, message)
          .whenComplete(
              (receivers, error) -> {
                if (error == null) {
                  result.complete(null);
                  return;
                }
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                result.completeExceptionally(unavailable("publish failed: " + describe(cause), cause));
                if (cause instanceof RedisCommandTimeoutException) {
                  connectionLost(cause); // the server stopped answering: the connection is useless
                }
              });
    } catch (RuntimeException e) {
      result.completeExceptionally(unavailable("publish failed: " + describe(e), e));
    }
    return result;
  }

  // A subscriber connection only reads; PING proves the server still answers on it.
  private void checkHealth() {
    StatefulRedisPubSubConnection<String, String> connection = subscriber;
    if (closed || lost.get() || connection == null) {
      return;
    }
    try {
      connection
          .async()
          .ping()
          .whenComplete(
              (pong, error) -> {
                if (error != null) {
                  connectionLost(error);
                }
              });
    } catch (RuntimeException e) {
      connectionLost(e);
    }
  }

  private void deliver(String message) {
    try {
      listener.onMessage(message);
    } catch (RuntimeException e) {
      log.error("broadcast listener failed on a message from channel {}", channel, e);
    }
  }

  private void connectionLost(Throwable cause) {
    if (closed || !lost.compareAndSet(false, true)) {
      return;
    }
    log.warn("Redis backbone {} connection lost: {}", redactedUri, describe(cause));
    try {
      listener.onConnectionLost(cause);
    } catch (RuntimeException e) {
      log.error("broadcast listener failed on connection loss", e);
    }
  }

  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    closed = true;
    if (healthCheck != null) {
      healthCheck.cancel(false);
    }
    shutdownClient();
  }

  private void shutdownClient() {
    if (client == null) {
      return;
    }
    try {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    } catch (RuntimeException e) {
      log.debug("error while closing the Redis client for {}", redactedUri, e);
    }
  }

  private BackboneUnavailableException unavailable(String why, Throwable cause) {
    return new BackboneUnavailableException("Redis backbone " + redactedUri + ": " + why, cause);
  }

  /** The exception's message and its root cause's, e.g. "Unable to connect to ...: WRONGPASS ...". */
  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text = String.valueOf(e.getMessage());
    if (root != e && root.getMessage() != null && !text.contains(root.getMessage())) {
      text += ": " + root.getMessage();
    }
    String upper = text.toUpperCase(java.util.Locale.ROOT);
    if (upper.contains("WRONGPASS") || upper.contains("NOAUTH") || upper.contains("INVALID PASSWORD")) {
      text += " (authentication failed: check the user name and password in OPAL_BROADCAST_URI)";
    } else if (handshakeReasonLost(e)) {
      text += " (the server refused the connection handshake and its reason was lost; usually"
          + " authentication failed: check the user name and password in OPAL_BROADCAST_URI)";
    }
    return text;
  }
}
