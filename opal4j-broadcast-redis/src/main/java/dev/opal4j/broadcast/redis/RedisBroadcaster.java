package dev.opal4j.broadcast.redis;

import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.Broadcaster;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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
  private volatile RedisPublisher publishing;
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
    client = RedisClients.create(redisUri);
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
      subscriber = RedisClients.connect(() -> client.connectPubSub(redisUri), redactedUri);
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
      publishing = new RedisPublisher(publisher, RedisClients.readMaxBulkBytes(publisher, redactedUri), redactedUri,
          (commands, message) -> commands.publish(channel, message), this::connectionLost);
    } catch (RuntimeException e) {
      RedisClients.shutdown(client, redactedUri);
      throw new BackboneUnavailableException(
          "cannot connect to the Redis backbone at " + redactedUri + ": " + describe(e), e);
    }
    connected = true;
    // A drop between SUBSCRIBE and here fired no loss event; check once now that we listen.
    if (!subscriber.isOpen() || !publisher.isOpen()) {
      RedisClients.shutdown(client, redactedUri);
      throw new BackboneUnavailableException(
          "the Redis backbone at " + redactedUri + " closed the connection while subscribing");
    }
    healthCheck =
        RedisResources.healthChecks()
            .scheduleWithFixedDelay(
                this::checkHealth, healthInterval.toMillis(), healthInterval.toMillis(), TimeUnit.MILLISECONDS);
    log.info("Redis backbone {} connected, subscribed to channel {}", redactedUri, channel);
  }

  @Override
  public int maxMessageBytes() {
    RedisPublisher p = publishing;
    long max = p == null ? -1 : p.maxBulkBytes();
    return max < 0 ? -1 : (int) Math.min(Integer.MAX_VALUE, max);
  }

  @Override
  public CompletableFuture<Void> publish(String message) {
    RedisPublisher p = publishing;
    if (p == null || closed) {
      return CompletableFuture.failedFuture(unavailable(closed ? "the broadcaster is closed" : "not connected", null));
    }
    if (lost.get()) {
      return CompletableFuture.failedFuture(unavailable("the connection was lost", null));
    }
    return p.publish(message);
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
    RedisClients.shutdown(client, redactedUri);
  }

  private BackboneUnavailableException unavailable(String why, Throwable cause) {
    return new BackboneUnavailableException("Redis backbone " + redactedUri + ": " + why, cause);
  }

  private static String describe(Throwable e) {
    return RedisClients.describe(e);
  }
}
