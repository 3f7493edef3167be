package dev.opal4j.broadcast.redis;

import dev.opal4j.broadcast.spi.BackbonePosition;
import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.PositionUnavailableException;
import dev.opal4j.broadcast.spi.ResumableBroadcaster;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The channel as a Redis stream (key: the channel name): {@code XADD MAXLEN ~ <maxlen>} to publish,
 * reads after the last entry id on a reading connection, and a resume from any earlier entry id the
 * stream still holds. What "still holds" and "the same stream" mean is in {@link
 * RedisStreamScripts}; every read is checked so, atomically, also while connected: a reader that
 * fell behind the trimming, or a stream deleted and created again under it, reports the
 * subscription lost (never skips silently), and the next resume finds the position gone.
 *
 * <p>Threads: one reading thread per broadcaster runs the checked read ({@code EVAL}), delivers
 * to the listener, and waits for more with {@code XREAD BLOCK} from the last id (at most {@code
 * block}, well inside the command timeout: a server that stops answering fails the wait, which is
 * this mode's health check, as the PING is pub/sub's). {@link #publish} may be called from any
 * thread; commands from one thread go out in call order on the one publishing connection.
 */
final class RedisStreamBroadcaster implements ResumableBroadcaster {
  private static final Logger log = LoggerFactory.getLogger(RedisStreamBroadcaster.class);
  /** Entries per checked read: a resume after a long outage reads the backlog in batches. */
  static final int BATCH = 100;

  private final RedisURI redisUri;
  private final String key;
  private final long maxLen;
  private final String redactedUri;
  private final BroadcastListener listener;
  private final Duration block;
  private final AtomicBoolean lost = new AtomicBoolean();
  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile boolean connected;
  private volatile boolean closed;
  private RedisClient client;
  private volatile RedisPublisher publishing;
  private Thread reader;
  private volatile BackbonePosition start;

  // Written by connect, then used by the reading thread only.
  private String epoch;
  private String lastId;
  private List<RedisStreamScripts.Entry> firstBatch;
  private boolean catchingUp;

  RedisStreamBroadcaster(
      RedisURI redisUri, String channel, long maxLen, String redactedUri, BroadcastListener listener, Duration wait) {
    this.redisUri = redisUri;
    this.key = channel;
    this.maxLen = maxLen;
    this.redactedUri = redactedUri;
    this.listener = listener;
    // A blocked XREAD must answer well within the command timeout, or it would time out while healthy.
    this.block = Duration.ofMillis(Math.max(1, Math.min(wait.toMillis(), redisUri.getTimeout().toMillis() / 2)));
  }

  @Override
  public void connect() throws BroadcastException {
    open(null);
  }

  @Override
  public void connect(BackbonePosition after) throws BroadcastException {
    open(RedisStreamPosition.decode(after));
  }

  @Override
  public Optional<BackbonePosition> startPosition() {
    return Optional.ofNullable(start);
  }

  private void open(RedisStreamPosition after) throws BroadcastException {
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
    StatefulRedisConnection<String, String> reading;
    StatefulRedisConnection<String, String> writing;
    String from;
    try {
      reading = RedisClients.connect(() -> client.connect(redisUri), redactedUri);
      writing = client.connect(redisUri);
      if (after == null) {
        RedisStreamScripts.Start at = RedisStreamScripts.ensure(reading.sync(), key);
        epoch = at.epoch();
        lastId = at.lastId();
        start = new RedisStreamPosition(epoch, lastId).encode();
        from = "after its last entry " + lastId;
      } else {
        RedisStreamScripts.Read read = RedisStreamScripts.read(reading.sync(), key, after.epoch(), after.entryId(), BATCH);
        if (!read.ok()) {
          throw new PositionUnavailableException(read.problem(key, after.entryId()));
        }
        epoch = after.epoch();
        lastId = after.entryId();
        firstBatch = read.entries();
        catchingUp = true;
        start = after.encode();
        from = "resumed after " + after.encode();
      }
      publishing = new RedisPublisher(writing, RedisClients.readMaxBulkBytes(writing, redactedUri), redactedUri,
          (commands, message) -> commands.xadd(key, XAddArgs.Builder.maxlen(maxLen).approximateTrimming(),
              Map.of(RedisStreamScripts.MESSAGE_FIELD, message)),
          this::connectionLost);
    } catch (PositionUnavailableException e) {
      RedisClients.shutdown(client, redactedUri);
      throw e;
    } catch (RuntimeException e) {
      RedisClients.shutdown(client, redactedUri);
      throw new BackboneUnavailableException(
          "cannot connect to the Redis backbone at " + redactedUri + ": " + RedisClients.describe(e), e);
    }
    connected = true;
    // A drop before `connected` was set fired no loss event; check once now that we listen.
    if (!reading.isOpen() || !writing.isOpen()) {
      RedisClients.shutdown(client, redactedUri);
      throw new BackboneUnavailableException(
          "the Redis backbone at " + redactedUri + " closed the connection while subscribing");
    }
    RedisCommands<String, String> commands = reading.sync();
    reader = Thread.ofPlatform().daemon().name("opal4j-redis-stream-" + key).unstarted(() -> read(commands));
    reader.start();
    log.info("Redis backbone {} connected, reading stream {} {} (epoch {}, MAXLEN ~ {})",
        redactedUri, key, from, epoch, maxLen);
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
    if (p == null || closed || !connected) {
      return CompletableFuture.failedFuture(unavailable(closed ? "the broadcaster is closed" : "not connected", null));
    }
    if (lost.get()) {
      return CompletableFuture.failedFuture(unavailable("the connection was lost", null));
    }
    return p.publish(message);
  }

  /** The reading thread: checked reads, delivery, and waiting for more, until closed or lost. */
  private void read(RedisCommands<String, String> redis) {
    List<RedisStreamScripts.Entry> batch = firstBatch;
    firstBatch = null;
    try {
      while (!closed && !lost.get()) {
        if (batch == null) {
          RedisStreamScripts.Read read = RedisStreamScripts.read(redis, key, epoch, lastId, BATCH);
          if (!read.ok()) {
            connectionLost(new BackboneUnavailableException("Redis backbone " + redactedUri + ": "
                + read.problem(key, lastId) + "; messages may have been missed"));
            return;
          }
          batch = read.entries();
        }
        for (RedisStreamScripts.Entry entry : batch) {
          lastId = entry.id();
          if (entry.message() != null && !closed) {
            deliver(entry.message(), new RedisStreamPosition(epoch, lastId).encode());
          }
        }
        boolean more = batch.size() == BATCH;
        batch = null;
        if (!more) {
          if (catchingUp) {
            catchingUp = false;
            caughtUp();
          }
          // Only a wake-up: the next checked read fetches what arrived, or finds it was trimmed.
          redis.xread(XReadArgs.Builder.block(block).count(1), XReadArgs.StreamOffset.from(key, lastId));
        }
      }
    } catch (RuntimeException e) {
      if (!closed) {
        connectionLost(e);
      }
    }
  }

  private void deliver(String message, BackbonePosition position) {
    try {
      listener.onMessage(message, position);
    } catch (RuntimeException e) {
      log.error("broadcast listener failed on a message from stream {}", key, e);
    }
  }

  private void caughtUp() {
    try {
      listener.onCaughtUp();
    } catch (RuntimeException e) {
      log.error("broadcast listener failed on catching up with stream {}", key, e);
    }
  }

  private void connectionLost(Throwable cause) {
    if (closed || !lost.compareAndSet(false, true)) {
      return;
    }
    log.warn("Redis backbone {} connection lost: {}", redactedUri, RedisClients.describe(cause));
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
    // Fails the reader's blocked command, so its thread ends.
    RedisClients.shutdown(client, redactedUri);
    Thread t = reader;
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private BackboneUnavailableException unavailable(String why, Throwable cause) {
    return new BackboneUnavailableException("Redis backbone " + redactedUri + ": " + why, cause);
  }
}
