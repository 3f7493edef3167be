package dev.opal4j.broadcast.nats;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.LeaseElector;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.KeyValueOptions;
import io.nats.client.Nats;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueStatus;
import io.nats.client.api.StorageType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet-wide leader on a NATS backbone: the holder of a lease, the key {@code
 * <channel>.<election>} (escaped, see {@link NatsNames#leaseKey}) in the JetStream key-value bucket
 * {@code opal4j_leader}, whose time to live is the lease. The bucket is created (file storage, one
 * revision per key, the configured ttl) by the first elector that finds it missing; when it exists
 * with another ttl, that ttl is the lease (it is what the server enforces). A follower takes the
 * lease with {@code create} (only if the key holds nothing), every {@code min(1 s, ttl / 3)}; the
 * leader renews it every {@code ttl / 3} with {@code update} at the revision it last wrote (only if
 * nobody wrote since), which restarts the key's age, and deletes it at that revision on {@link
 * #close()}. The value is a token unique to this elector and tenure.
 *
 * <p>Leadership ends at once when a renewal fails, finds a newer revision, or when the connection
 * drops; a lease it can no longer vouch for is deleted (if it still holds its token) when a
 * connection is available again, and otherwise expires after the ttl, which is how long a crashed
 * leader can keep the fleet leaderless (plus the server's expiry timer, well under a second).
 *
 * <p>Why leaders do not overlap: the leader counts its lease from the moment it <em>sent</em> the
 * request that wrote it, which is before the server stored (and timestamped) it, so its local lease
 * ends before the server expires the key and a follower can create it. {@link #isLeader()} is false
 * from that moment even if no answer arrived. This holds as long as this JVM's monotonic clock and
 * the server's clock run at about the same rate (1 % of the ttl is allowed for drift) and the
 * server's wall clock is not stepped forward (JetStream ages messages by it); with a replicated
 * bucket, the same for every server that may become the bucket's leader.
 *
 * <p>Without JetStream on the server the elector logs an error saying so and stays a follower (no
 * worker leads the fleet); {@code ?leader=node} in the URI makes the factory offer no elector.
 *
 * <p>Thread-safe. One scheduler thread makes every decision and calls the listeners; jnats' key-value
 * calls block, so they run one at a time on an I/O thread and hand their results back, and the
 * scheduler thread never waits on the network.
 */
final class NatsLeaderElector extends LeaseElector {
  private static final Logger log = LoggerFactory.getLogger(NatsLeaderElector.class);
  private static final int WRONG_LAST_SEQUENCE = 10071;
  private static final int STREAM_NOT_FOUND = 10059;
  private static final int STREAM_NAME_IN_USE = 10058;
  private static final int JETSTREAM_NOT_ENABLED_FOR_ACCOUNT = 10039;
  private static final int JETSTREAM_NOT_ENABLED = 10076;

  private final NatsEndpoint endpoint;
  private final String key;
  private final long configuredTtlMillis;
  private final ScheduledThreadPoolExecutor scheduler;
  private final ExecutorService io;
  private volatile Thread schedulerThread;
  private volatile long validUntil; // System.nanoTime() at which our local view of the lease ends
  private volatile Connection newestConnection; // written on the I/O thread; closed last of all

  // The rest is used on the scheduler thread only.
  private long ttlMillis;
  private long renewMillis;
  private long retryMillis;
  private long safetyNanos;
  private Session session;
  private boolean busy; // a connect or a lease request is in flight
  private boolean holding; // we hold the lease under `token` at `revision` (and told listeners true)
  private long revision;
  private String token = newToken();
  private final Set<String> orphans = new LinkedHashSet<>(); // our old tokens that may still be in the bucket
  private ScheduledFuture<?> nextTick;
  private ScheduledFuture<?> expiry;
  private String lastFailure;

  /** One connection and the bucket on it. */
  private record Session(Connection connection, KeyValue kv) {}

  NatsLeaderElector(NatsEndpoint endpoint, String channel, String electionName, Duration ttl) {
    super("election \"" + electionName + "\" on channel \"" + channel + "\" of " + endpoint.redactedUri()
        + " (key " + NatsNames.leaseKey(channel, electionName) + " in bucket " + NatsNames.LEASE_BUCKET + ")");
    this.endpoint = endpoint;
    this.key = NatsNames.leaseKey(channel, electionName);
    this.configuredTtlMillis = ttl.toMillis();
    useTtl(configuredTtlMillis);
    this.scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = Thread.ofPlatform().daemon().name("opal4j-nats-leader").unstarted(r);
              schedulerThread = t;
              return t;
            });
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    scheduler.setRemoveOnCancelPolicy(true);
    this.io = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("opal4j-nats-leader-io").unstarted(r));
  }

  private void useTtl(long ttl) {
    ttlMillis = ttl;
    renewMillis = Math.max(1, ttl / 3);
    retryMillis = Math.min(1000, renewMillis);
    safetyNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, ttl / 100));
  }

  @Override
  protected void begin() {
    onScheduler(this::tick);
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
      io.shutdownNow();
      return;
    }
    CompletableFuture<Void> released = new CompletableFuture<>();
    try {
      scheduler.execute(() -> releaseAll(released));
    } catch (RejectedExecutionException e) {
      released.complete(null);
    }
    scheduler.shutdown();
    if (Thread.currentThread() == schedulerThread) {
      released.whenComplete((ok, error) -> shutDownIo());
      return;
    }
    try {
      released.get(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.debug("could not delete the lease of {} on close; it expires in {} ms", description, ttlMillis);
      released.whenComplete((ok, error) -> shutDownIo()); // whenever the I/O thread gets to it
      io.shutdown(); // what is queued still runs
      return;
    }
    shutDownIo();
  }

  // After the release ran on the I/O thread, no connect can be in flight: the newest connection is the last.
  private void shutDownIo() {
    Connection c = newestConnection;
    if (c != null) {
      closeQuietly(c);
    }
    io.shutdown();
  }

  // --- on the scheduler thread

  private void tick() {
    nextTick = null;
    if (isClosed() || busy) {
      return; // a closing elector does nothing more; a busy one is called again when done
    }
    if (session != null && session.connection().getStatus() != Connection.Status.CONNECTED) {
      // Closed before its DISCONNECTED event reached us.
      dropSession(session);
      endTenure("the connection to NATS closed");
    }
    if (session == null) {
      connect();
    } else if (holding) {
      renew();
    } else {
      acquire();
    }
  }

  private void connect() {
    busy = true;
    onIo(this::openSession, (s, error) -> {
      busy = false;
      if (error != null) {
        followerFailure("cannot reach the lease bucket", error);
        scheduleTick(retryMillis);
        return;
      }
      if (isClosed()) {
        closeQuietly(s.connection());
        return;
      }
      session = s;
      lastFailure = null;
      releaseOrphans();
      tick();
    });
  }

  private void acquire() {
    Session s = session;
    String t = token;
    long sentAt = System.nanoTime();
    busy = true;
    run(s, () -> s.kv().create(key, bytes(t)), (rev, error) -> {
      if (error != null) {
        if (apiError(error) == WRONG_LAST_SEQUENCE) {
          scheduleTick(retryMillis); // someone else holds it
        } else {
          requestFailed(s, "creating the lease failed", error);
        }
        return;
      }
      if (!t.equals(token) || !extend(sentAt) || !gain()) {
        // Too late to trust, or closed meanwhile: give it back.
        orphan(t);
        releaseOrphans();
        scheduleTick(retryMillis);
        return;
      }
      holding = true;
      revision = rev;
      log.info("this process is now the leader of {}", description);
      scheduleTick(renewMillis);
    });
  }

  private void renew() {
    Session s = session;
    String t = token;
    long expected = revision;
    long sentAt = System.nanoTime();
    busy = true;
    run(s, () -> s.kv().update(key, bytes(t), expected), (rev, error) -> {
      if (!holding || !t.equals(token)) {
        // Our tenure already ended (the lease ran out first): `t` is an orphan already.
        releaseOrphans();
        scheduleTick(retryMillis);
        return;
      }
      if (error != null) {
        if (apiError(error) == WRONG_LAST_SEQUENCE) {
          endTenure("the lease was no longer ours when renewing it");
          scheduleTick(retryMillis);
        } else {
          requestFailed(s, "renewing the lease failed", error);
        }
      } else if (!extend(sentAt)) {
        endTenure("the renewal came back after the lease had run out");
        scheduleTick(retryMillis);
      } else {
        revision = rev;
        scheduleTick(renewMillis);
      }
    });
  }

  /** Runs a blocking request; the callback runs on the scheduler thread unless the session changed. */
  private <T> void run(Session s, Callable<T> request, BiConsumer<T, Throwable> callback) {
    onIo(request, (reply, error) -> {
      if (s != session) {
        return; // that session was dropped; its tenure is already over
      }
      busy = false;
      callback.accept(reply, error);
    });
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

  // A failed request means the connection cannot be trusted: drop it and start over as a follower.
  private void requestFailed(Session s, String what, Throwable error) {
    log.debug("{} for {}: {}", what, description, error.toString());
    dropSession(s);
    endTenure(what + ": " + NatsBroadcaster.describe(error));
    scheduleTick(retryMillis);
  }

  private void disconnected(Connection connection) {
    if (session == null || session.connection() != connection || isClosed()) {
      return;
    }
    dropSession(session);
    endTenure("the connection to NATS closed");
    scheduleTick(retryMillis);
  }

  private void dropSession(Session s) {
    if (s == session) {
      session = null;
      busy = false;
      if (!holding) {
        // A create in flight may have succeeded unseen: never reuse its token.
        orphan(token);
      }
    }
    Connection c = s.connection();
    onIo(() -> {
      closeQuietly(c);
      return null;
    }, (ignored, error) -> {});
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
    orphan(token);
    if (lose()) {
      log.warn("lost the leadership of {}: {}", description, why);
    }
    releaseOrphans();
  }

  private void orphan(String t) {
    orphans.add(t);
    if (t.equals(token)) {
      token = newToken();
    }
  }

  /** Deletes leases we no longer vouch for, if they still hold our tokens. Fire and forget. */
  private void releaseOrphans() {
    Session s = session;
    if (s == null) {
      return;
    }
    for (String orphan : List.copyOf(orphans)) {
      onIo(() -> {
        releaseIfOurs(s.kv(), orphan);
        return null;
      }, (ignored, error) -> {
        if (error == null) {
          orphans.remove(orphan);
        }
      });
    }
  }

  /** Deletes the lease at the revision that holds {@code t}, so nobody else's lease is touched. */
  private void releaseIfOurs(KeyValue kv, String t) throws IOException, JetStreamApiException {
    KeyValueEntry entry = kv.get(key);
    if (entry == null || entry.getOperation() != KeyValueOperation.PUT || !Arrays.equals(entry.getValue(), bytes(t))) {
      return;
    }
    try {
      kv.delete(key, entry.getRevision());
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() != WRONG_LAST_SEQUENCE) {
        throw e; // otherwise someone wrote it since: not ours any more
      }
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
    // Also when following: a create in flight on this session runs before these deletes.
    orphans.add(token);
    Session s = session;
    List<String> tokens = List.copyOf(orphans);
    try {
      // After whatever is in flight on the I/O thread (a connect closes its own connection).
      io.execute(() -> {
        if (s != null) {
          for (String t : tokens) {
            try {
              releaseIfOurs(s.kv(), t);
            } catch (IOException | JetStreamApiException | RuntimeException e) {
              log.debug("could not delete a lease of {} on close: {}", description, e.toString());
            }
          }
        }
        released.complete(null);
      });
    } catch (RejectedExecutionException e) {
      released.complete(null);
    }
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

  private void followerFailure(String what, Throwable error) {
    String message = what + " for " + description + ": " + NatsBroadcaster.describe(error);
    if (message.equals(lastFailure)) {
      log.debug("{} (still)", message);
    } else if (error instanceof NoJetStream || error instanceof BroadcastConfigurationException) {
      log.error(message);
    } else {
      log.warn("{}; retrying every {} ms as a follower", message, retryMillis);
    }
    lastFailure = message;
  }

  // --- on the I/O thread

  /** Connects and finds (or creates) the bucket; adopts its ttl as the lease. */
  private Session openSession() throws Exception {
    AtomicReference<Exception> connectProblem = new AtomicReference<>();
    Connection c;
    try {
      c = Nats.connect(endpoint.options("opal4j leader " + key)
        .connectionListener((conn, type) -> {
          if (type == ConnectionListener.Events.DISCONNECTED || type == ConnectionListener.Events.CLOSED) {
            onScheduler(() -> disconnected(conn));
          }
        })
        // Failures reach followerFailure, which logs each cause once; a follower retries every second.
        .errorListener(new ErrorListener() {
          @Override
          public void errorOccurred(Connection conn, String error) {
            log.debug("NATS server of {} reported: {}", description, error.strip());
          }

          @Override
          public void exceptionOccurred(Connection conn, Exception exp) {
            connectProblem.compareAndSet(null, exp);
            log.debug("NATS connection of {}: {}", description, exp.toString());
          }
        })
        .build());
    } catch (IOException e) {
      // jnats' message omits why (refused, TLS, ...): its error listener heard it
      throw new IOException(e.getMessage() + NatsBroadcaster.becauseOf(connectProblem.get()), e);
    }
    newestConnection = c;
    try {
      if (!c.getServerInfo().isJetStreamAvailable()) {
        throw new NoJetStream(c.getConnectedUrl());
      }
      Duration management = NatsBroadcaster.ROUND_TRIP_TIMEOUT;
      KeyValueManagement buckets = c.keyValueManagement(options(management));
      long ttl = bucketTtl(buckets);
      // Every lease request must answer well within the lease, or the connection is not good enough to lead.
      Duration timeout = Duration.ofMillis(Math.min(management.toMillis(), Math.max(1, ttl / 3)));
      KeyValue kv = c.keyValue(NatsNames.LEASE_BUCKET, options(timeout));
      onScheduler(() -> adoptTtl(ttl));
      return new Session(c, kv);
    } catch (Exception e) {
      closeQuietly(c);
      if (e instanceof JetStreamApiException api
          && (api.getApiErrorCode() == JETSTREAM_NOT_ENABLED || api.getApiErrorCode() == JETSTREAM_NOT_ENABLED_FOR_ACCOUNT)) {
        throw new NoJetStream(api.getMessage());
      }
      throw e;
    }
  }

  private static KeyValueOptions options(Duration requestTimeout) {
    return KeyValueOptions.builder(JetStreamOptions.builder().requestTimeout(requestTimeout).build()).build();
  }

  private long bucketTtl(KeyValueManagement buckets) throws IOException, JetStreamApiException, BroadcastConfigurationException {
    KeyValueStatus status;
    try {
      status = buckets.getStatus(NatsNames.LEASE_BUCKET);
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() != STREAM_NOT_FOUND) {
        throw e;
      }
      status = createBucket(buckets);
    }
    long ttl = status.getTtl() == null ? 0 : status.getTtl().toMillis();
    if (ttl <= 0) {
      throw new BroadcastConfigurationException("the key-value bucket " + NatsNames.LEASE_BUCKET + " exists without a"
          + " ttl, so a crashed leader's lease would never expire; delete it (opal4j recreates it) or give it a ttl");
    }
    return ttl;
  }

  private KeyValueStatus createBucket(KeyValueManagement buckets) throws IOException, JetStreamApiException {
    try {
      KeyValueStatus created = buckets.create(KeyValueConfiguration.builder()
          .name(NatsNames.LEASE_BUCKET)
          .description("opal4j leader leases (one key per channel and election)")
          .maxHistoryPerKey(1)
          .ttl(Duration.ofMillis(configuredTtlMillis))
          .storageType(StorageType.File)
          .build());
      log.info("created the key-value bucket {} with a ttl of {} ms for {}", NatsNames.LEASE_BUCKET,
          configuredTtlMillis, description);
      return created;
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() != STREAM_NAME_IN_USE) {
        throw e;
      }
      return buckets.getStatus(NatsNames.LEASE_BUCKET); // another elector created it first
    }
  }

  // --- any thread

  /** On the scheduler thread: a bucket made with another ttl keeps it, and that is the lease. */
  private void adoptTtl(long ttl) {
    if (ttl == ttlMillis) {
      return;
    }
    if (holding) {
      return; // cannot happen (a new session starts as a follower); keep the lease we count on
    }
    log.warn("the key-value bucket {} has a ttl of {} ms, not the {} ms of OPAL_LEADER_LEASE_SECONDS; {} uses the"
        + " bucket's (it is what the server enforces)", NatsNames.LEASE_BUCKET, ttl, configuredTtlMillis, description);
    useTtl(ttl);
  }

  /** Runs a blocking call on the I/O thread and hands its outcome to the scheduler thread. */
  private <T> void onIo(Callable<T> call, BiConsumer<T, Throwable> then) {
    try {
      io.execute(() -> {
        T reply = null;
        Throwable error = null;
        try {
          reply = call.call();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          error = e;
        } catch (Exception e) {
          error = e;
        }
        T r = reply;
        Throwable err = error;
        onScheduler(() -> then.accept(r, err));
      });
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

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
        if (session != null) {
          dropSession(session);
        }
        endTenure("internal error: " + e);
        scheduleTick(retryMillis);
      }
    };
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // closing anyway
    }
  }

  private static int apiError(Throwable error) {
    return error instanceof JetStreamApiException api ? api.getApiErrorCode() : -1;
  }

  private static byte[] bytes(String t) {
    return t.getBytes(StandardCharsets.UTF_8);
  }

  private static String newToken() {
    return UUID.randomUUID().toString();
  }

  /** The server (or the account) has no JetStream, so there is no bucket to hold a lease. */
  private static final class NoJetStream extends IOException {
    private static final long serialVersionUID = 1L;
    NoJetStream(String where) {
      super("JetStream is not enabled (" + where + "): the fleet-wide leader lease needs a key-value bucket."
          + " Enable JetStream on the server (nats-server -js, or 'jetstream {}' in its configuration), or add"
          + " ?leader=node to OPAL_BROADCAST_URI so that each node's leader publishes policy updates, as upstream"
          + " OPAL does; until then no worker leads the fleet and no policy update is published");
    }
  }
}
