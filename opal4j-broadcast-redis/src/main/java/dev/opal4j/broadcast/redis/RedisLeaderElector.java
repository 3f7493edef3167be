package dev.opal4j.broadcast.redis;

import dev.opal4j.broadcast.spi.LeaseElector;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet-wide leader on a Redis backbone: the holder of a lease, the key {@code
 * opal4j:leader:<channel>:<election>} set with {@code SET key token NX PX ttl}, where the token is
 * unique to this elector and to this tenure. The leader renews it every {@code ttl / 3} with a
 * compare-and-set script (only while the key still holds its token) and deletes it with a
 * compare-and-delete script on {@link #close()}; followers retry {@code SET NX} every {@code
 * min(1 s, ttl / 3)}.
 *
 * <p>Leadership ends at once when a renewal fails, when it finds the key no longer ours, or when
 * the connection drops; the lease it can no longer vouch for is deleted (compare-and-delete) when
 * a connection is available again, and otherwise expires after the ttl, which is how long a
 * crashed leader can keep the fleet leaderless.
 *
 * <p>Why leaders do not overlap: the leader counts its lease from the moment it <em>sent</em> the
 * command that set or renewed it, which is before Redis received it, so its local lease ends
 * before Redis expires the key and a follower can take it. {@link #isLeader()} is false from that
 * moment even if no renewal answer arrived (listeners hear {@code false} then, too). This holds as
 * long as this JVM's monotonic clock and the Redis server's clock run at about the same rate (1 %
 * of the ttl is allowed for drift), and the Redis clock is not stepped forward (Redis expires keys
 * by its wall clock). A Redis failover to a replica that had not yet received the key can also
 * break it (as with any single-instance Redis lock).
 *
 * <p>Thread-safe. One scheduler thread per elector makes every decision and calls the listeners;
 * commands are asynchronous, so that thread never waits on the network.
 */
final class RedisLeaderElector extends LeaseElector {
  private static final Logger log = LoggerFactory.getLogger(RedisLeaderElector.class);

  static final String RENEW_SCRIPT =
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
  static final String RELEASE_SCRIPT =
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

  private final RedisURI redisUri;
  private final String key;
  private final long ttlMillis;
  private final long renewMillis;
  private final long retryMillis;
  private final long safetyNanos;
  private final ScheduledThreadPoolExecutor scheduler;
  private final AtomicBoolean clientShutDown = new AtomicBoolean();
  private volatile Thread schedulerThread;
  private volatile long validUntil; // System.nanoTime() at which our local view of the lease ends
  private RedisClient client; // guarded by lifecycle

  // The rest is used on the scheduler thread only.
  private StatefulRedisConnection<String, String> connection;
  private boolean busy; // a connect or command is in flight on the current connection
  private boolean holding; // we hold the lease under `token` (and told listeners true)
  private String token = newToken();
  private final Set<String> orphans = new LinkedHashSet<>(); // our old tokens that may still be in Redis
  private ScheduledFuture<?> nextTick;
  private ScheduledFuture<?> expiry;
  private CompletableFuture<?> connecting = CompletableFuture.completedFuture(null);

  RedisLeaderElector(RedisURI redisUri, String redactedUri, String channel, String electionName, Duration ttl) {
    super("election \"" + electionName + "\" on channel \"" + channel + "\" of " + redactedUri + " (lease key "
        + leaseKey(channel, electionName) + ", ttl " + ttl.toMillis() + " ms)");
    this.ttlMillis = ttl.toMillis();
    this.renewMillis = Math.max(1, ttlMillis / 3);
    this.retryMillis = Math.min(1000, renewMillis);
    this.safetyNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, ttlMillis / 100));
    this.key = leaseKey(channel, electionName);
    this.redisUri = redisUri;
    // Every command must answer well within the lease, or the connection is not good enough to lead.
    Duration timeout = Duration.ofMillis(Math.min(redisUri.getTimeout().toMillis(), renewMillis));
    redisUri.setTimeout(timeout);
    this.scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = Thread.ofPlatform().daemon().name("opal4j-redis-leader").unstarted(r);
              schedulerThread = t;
              return t;
            });
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    scheduler.setRemoveOnCancelPolicy(true);
  }

  static String leaseKey(String channel, String electionName) {
    return "opal4j:leader:" + channel + ":" + electionName;
  }

  @Override
  protected void begin() {
    client = RedisClient.create(RedisResources.clientResources(), redisUri);
    client.setOptions(clientOptions());
    client.addListener(
        new RedisConnectionStateListener() {
          @Override
          public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
            onScheduler(() -> disconnected(handler));
          }
        });
    onScheduler(this::tick);
  }

  private ClientOptions clientOptions() {
    return ClientOptions.builder()
        .autoReconnect(false) // we reconnect ourselves, as a follower
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
        .timeoutOptions(TimeoutOptions.enabled(redisUri.getTimeout()))
        .build();
  }

  @Override
  public boolean isLeader() {
    // Never past our local end of the lease, even if the scheduler thread is late to notice.
    return super.isLeader() && System.nanoTime() - validUntil < 0;
  }

  // Listeners heard false already: now the lease is deleted.
  @Override
  protected void release(boolean started, boolean wasLeader) {
    if (wasLeader) {
      log.info("gave up the leadership of {}", description);
    }
    if (!started) {
      scheduler.shutdownNow();
      return;
    }
    CompletableFuture<Void> released = new CompletableFuture<>();
    released.whenComplete((ok, error) -> shutdownClient());
    try {
      scheduler.execute(() -> releaseAll(released));
    } catch (RejectedExecutionException e) {
      released.complete(null);
    }
    scheduler.shutdown();
    if (Thread.currentThread() != schedulerThread) {
      try {
        released.get(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        log.debug("could not delete the lease of {} on close; it expires in {} ms", description, ttlMillis);
      }
      shutdownClient();
    }
  }

  // --- on the scheduler thread

  private void tick() {
    nextTick = null;
    if (isClosed() || busy) {
      return; // a closing elector does nothing more; a busy one is called again when done
    }
    if (connection == null || !connection.isOpen()) {
      connect();
    } else if (holding) {
      renew();
    } else {
      acquire();
    }
  }

  private void connect() {
    busy = true;
    CompletableFuture<StatefulRedisConnection<String, String>> attempt;
    try {
      attempt = client.connectAsync(StringCodec.UTF8, redisUri).toCompletableFuture();
    } catch (RuntimeException e) {
      busy = false;
      log.debug("cannot connect for {}: {}", description, e.toString());
      scheduleTick(retryMillis);
      return;
    }
    connecting = attempt;
    attempt.whenComplete(
        (c, error) ->
            onScheduler(
                () -> {
                  busy = false;
                  if (error != null) {
                    log.debug("cannot connect for {}: {}", description, error.toString());
                    scheduleTick(retryMillis);
                    return;
                  }
                  if (isClosed()) {
                    c.closeAsync();
                    return;
                  }
                  connection = c;
                  releaseOrphans();
                  tick();
                }));
  }

  private void acquire() {
    StatefulRedisConnection<String, String> c = connection;
    String t = token;
    long sentAt = System.nanoTime();
    busy = true;
    run(
        c,
        () -> c.async().set(key, t, SetArgs.Builder.nx().px(ttlMillis)),
        (reply, error) -> {
          if (error != null) {
            commandFailed(c, "SET NX failed", error);
            return;
          }
          if (!"OK".equals(reply)) {
            scheduleTick(retryMillis); // someone else holds it
            return;
          }
          if (!t.equals(token) || !extend(sentAt) || !gain()) {
            // Too late to trust, or closed meanwhile: give it back.
            orphans.add(t);
            releaseOrphans();
            scheduleTick(retryMillis);
            return;
          }
          holding = true;
          log.info("this process is now the leader of {}", description);
          scheduleTick(renewMillis);
        });
  }

  private void renew() {
    StatefulRedisConnection<String, String> c = connection;
    String t = token;
    long sentAt = System.nanoTime();
    busy = true;
    run(
        c,
        () -> c.async().<Long>eval(RENEW_SCRIPT, ScriptOutputType.INTEGER, new String[] {key}, t, Long.toString(ttlMillis)),
        (reply, error) -> {
          if (!holding || !t.equals(token)) {
            // Our tenure already ended (e.g. the renewal came back too late): the key is an orphan.
            orphans.add(t);
            releaseOrphans();
            scheduleTick(retryMillis);
            return;
          }
          if (error != null) {
            commandFailed(c, "renewing the lease failed", error);
          } else if (reply == null || reply != 1L) {
            endTenure("the lease was no longer ours when renewing it");
            scheduleTick(retryMillis);
          } else if (!extend(sentAt)) {
            endTenure("the renewal came back after the lease had run out");
            scheduleTick(retryMillis);
          } else {
            scheduleTick(renewMillis);
          }
        });
  }

  /** Sends a command on {@code c}; the callback runs on the scheduler thread unless the connection changed. */
  private <T> void run(
      StatefulRedisConnection<String, String> c,
      java.util.function.Supplier<CompletionStage<T>> command,
      java.util.function.BiConsumer<T, Throwable> callback) {
    CompletionStage<T> sent;
    try {
      sent = command.get();
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete(
        (reply, error) ->
            onScheduler(
                () -> {
                  if (c != connection) {
                    return; // that connection was dropped; its tenure is already over
                  }
                  busy = false;
                  if (!isClosed()) {
                    callback.accept(reply, error);
                  }
                }));
  }

  /** Moves the local end of the lease to {@code sentAt + ttl - drift}; false when that is already past. */
  private boolean extend(long sentAt) {
    long until = sentAt + TimeUnit.MILLISECONDS.toNanos(ttlMillis) - safetyNanos;
    long left = until - System.nanoTime();
    if (left <= 0) {
      return false;
    }
    validUntil = until;
    if (expiry != null) {
      expiry.cancel(false);
    }
    expiry = scheduler.schedule(guarded(this::expire), left, TimeUnit.NANOSECONDS);
    return true;
  }

  private void expire() {
    expiry = null;
    if (holding && System.nanoTime() - validUntil >= 0) {
      endTenure("the lease was not renewed in time");
    }
  }

  // A failed command means the connection cannot be trusted: drop it and start over as a follower.
  private void commandFailed(StatefulRedisConnection<String, String> c, String what, Throwable error) {
    log.debug("{} for {}: {}", what, description, error.toString());
    dropConnection(c);
    endTenure(what + ": " + error);
    scheduleTick(retryMillis);
  }

  private void disconnected(RedisChannelHandler<?, ?> handler) {
    if (handler != connection || isClosed()) {
      return;
    }
    dropConnection(connection);
    endTenure("the connection to Redis closed");
    scheduleTick(retryMillis);
  }

  private void dropConnection(StatefulRedisConnection<String, String> c) {
    if (c == connection) {
      connection = null;
      busy = false;
      if (!holding) {
        // A SET NX in flight may have succeeded unseen: never reuse its token.
        orphans.add(token);
        token = newToken();
      }
    }
    c.closeAsync();
  }

  /** Ends the tenure, if any: listeners hear false, and the token becomes an orphan. */
  private void endTenure(String why) {
    if (!holding) {
      return;
    }
    holding = false;
    validUntil = System.nanoTime();
    if (expiry != null) {
      expiry.cancel(false);
      expiry = null;
    }
    orphans.add(token);
    token = newToken();
    if (lose()) {
      log.warn("lost the leadership of {}: {}", description, why);
    }
    releaseOrphans();
  }

  /** Deletes leases we no longer vouch for, if they still hold our tokens. Fire and forget. */
  private void releaseOrphans() {
    StatefulRedisConnection<String, String> c = connection;
    if (c == null || !c.isOpen()) {
      return;
    }
    for (String orphan : List.copyOf(orphans)) {
      deleteIfOurs(c, orphan)
          .whenComplete(
              (reply, error) -> {
                if (error == null) {
                  onScheduler(() -> orphans.remove(orphan));
                }
              });
    }
  }

  private CompletionStage<Long> deleteIfOurs(StatefulRedisConnection<String, String> c, String t) {
    try {
      return c.async().eval(RELEASE_SCRIPT, ScriptOutputType.INTEGER, new String[] {key}, t);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  // On close: listeners were told false already; delete the lease and any orphans.
  private void releaseAll(CompletableFuture<Void> released) {
    if (nextTick != null) {
      nextTick.cancel(false);
    }
    if (expiry != null) {
      expiry.cancel(false);
    }
    holding = false;
    // Also when following: a SET NX in flight on this connection runs before this delete.
    orphans.add(token);
    StatefulRedisConnection<String, String> c = connection;
    if (c == null || !c.isOpen() || orphans.isEmpty()) {
      // Let a connect in flight finish (it closes itself) before the client shuts down under it.
      connecting.whenComplete((ok, error) -> released.complete(null));
      return;
    }
    List<CompletableFuture<Long>> pending = new ArrayList<>();
    for (String orphan : orphans) {
      pending.add(deleteIfOurs(c, orphan).toCompletableFuture());
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
        .whenComplete((ok, error) -> released.complete(null));
  }

  private void scheduleTick(long delayMillis) {
    if (isClosed()) {
      return;
    }
    if (nextTick != null) {
      nextTick.cancel(false);
    }
    try {
      nextTick = scheduler.schedule(guarded(this::tick), delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // shutting down
    }
  }

  // --- any thread

  private void onScheduler(Runnable task) {
    try {
      scheduler.execute(guarded(task));
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  // A bug in one step must not stop the election: log it and try again later as a follower.
  private Runnable guarded(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.error("leader election step failed for {}", description, e);
        if (connection != null) {
          dropConnection(connection);
        }
        endTenure("internal error: " + e);
        scheduleTick(retryMillis);
      }
    };
  }

  private void shutdownClient() {
    RedisClient c;
    synchronized (lifecycle) {
      c = client;
    }
    if (c == null || !clientShutDown.compareAndSet(false, true)) {
      return;
    }
    c.shutdownAsync(0, 2, TimeUnit.SECONDS);
  }

  private static String newToken() {
    return UUID.randomUUID().toString();
  }
}
