package dev.opal4j.policy;

import dev.opal4j.broadcast.spi.LeaderElector;
import dev.opal4j.policy.PolicyUpdates.PolicyUpdate;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's policy watcher (upstream's policy watcher task): while this worker is the leader it
 * prepares its {@link PolicySource} (clones the git repository, or commits the bundle server's
 * first bundle; retrying with backoff until {@code OPAL_POLICY_REPO_CLONE_TIMEOUT}, 0 = forever),
 * then fetches every polling interval ({@code OPAL_POLICY_REPO_POLLING_INTERVAL}; 0 = only on
 * {@link #trigger()}), and for every fetch that moved the branch and touched a tracked file hands
 * one {@code policy:<dir>} update to the {@link PolicyPublisher}: exactly one publish per branch
 * move. The initial clone publishes nothing (clients fetch the full bundle when they connect).
 * Losing leadership stops polling.
 *
 * <p>Thread-safe. All git work and publishing run on one watcher thread, so checks never overlap;
 * triggers that arrive while a check is queued are merged into it. Failures are logged and
 * reported to {@link Events}, never thrown from the watcher thread.
 */
public final class PolicyWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PolicyWatcher.class);
  private static final Duration BACKOFF_MIN = Duration.ofMillis(500);
  private static final Duration BACKOFF_MAX = Duration.ofSeconds(30);

  /** Optional observer of the watcher's life; every method has a no-op default. */
  public interface Events {
    /** The local repository is ready at {@code head} (cloned, or the first bundle committed). */
    default void cloned(String head) {}

    /**
     * A fetch reached the remote ({@code moved}: the branch moved and the local repository
     * followed it; a bundle server's 304 is a fetch that did not move).
     */
    default void fetched(boolean moved) {}

    /** An update was handed to the publisher. */
    default void published(PolicyUpdate update) {}

    /**
     * A clone, fetch or publish failed. {@code fatal} is true when the first clone gave up after
     * {@code OPAL_POLICY_REPO_CLONE_TIMEOUT}; upstream's worker then stops itself.
     */
    default void failed(Exception error, boolean fatal) {}
  }

  private final PolicySource source;
  private final LeaderElector election;
  private final PolicyPublisher publisher;
  private final PolicyUpdates updates;
  private final Duration pollingInterval;
  private final Duration cloneTimeout;
  private final Events events;
  private final ScheduledExecutorService executor;
  private final AtomicBoolean checkQueued = new AtomicBoolean();
  private final AtomicLong publishedCount = new AtomicLong();
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile boolean leading;
  private volatile boolean ready;
  private volatile boolean closed;
  // confined to the watcher thread:
  private ScheduledFuture<?> polling;
  private int cloneAttempts;
  private long cloneStartedNanos;
  private long generation;

  /** Uses the source's settings for the polling interval, clone timeout and extensions. */
  public PolicyWatcher(PolicySource source, LeaderElector election, PolicyPublisher publisher) {
    this(source, election, publisher, source.settings().pollingInterval(), new Events() {});
  }

  public PolicyWatcher(
      PolicySource source,
      LeaderElector election,
      PolicyPublisher publisher,
      Duration pollingInterval,
      Events events) {
    this.source = source;
    this.election = election;
    this.publisher = publisher;
    this.updates = PolicyUpdates.forSettings(source.settings());
    this.pollingInterval = pollingInterval;
    this.cloneTimeout = source.settings().cloneTimeout();
    this.events = events;
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "opal4j-policy-watcher");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts following the election; the watcher works only while this worker leads. */
  public void start() {
    if (started.compareAndSet(false, true)) {
      election.onLeadershipChange(this::leadershipChanged);
    }
  }

  /**
   * Asks for a fetch now (a webhook push, or the {@code webhook} topic from the backbone). Returns
   * false, doing nothing, when this worker is not the leader.
   */
  public boolean trigger() {
    if (!leading || closed) {
      return false;
    }
    if (checkQueued.compareAndSet(false, true)) {
      submit(
          () -> {
            checkQueued.set(false);
            check();
          });
    }
    return true;
  }

  /** Whether this worker leads and its clone is ready. */
  public boolean isReady() {
    return leading && ready;
  }

  /** How many updates were handed to the publisher so far. */
  public long publishedCount() {
    return publishedCount.get();
  }

  @Override
  public void close() {
    closed = true;
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
        log.warn("the policy watcher thread did not stop within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void leadershipChanged(boolean isLeader) {
    leading = isLeader;
    submit(isLeader ? this::becomeLeader : this::stepDown);
  }

  private void becomeLeader() {
    if (!leading || ready) {
      return;
    }
    generation++;
    cloneAttempts = 0;
    cloneStartedNanos = System.nanoTime();
    tryClone(generation);
  }

  private void tryClone(long gen) {
    if (!leading || closed || gen != generation) {
      return;
    }
    try {
      String head = source.prepare();
      ready = true;
      events.cloned(head);
      if (!pollingInterval.isZero() && !pollingInterval.isNegative()) {
        long ms = pollingInterval.toMillis();
        polling = executor.scheduleWithFixedDelay(this::check, ms, ms, TimeUnit.MILLISECONDS);
        log.info("polling the {} every {}", source.describe(), pollingInterval);
      } else {
        log.info("{} ready; fetching on webhook only (OPAL_POLICY_REPO_POLLING_INTERVAL=0)", source.describe());
      }
    } catch (PolicyRepoException e) {
      cloneAttempts++;
      boolean timedOut =
          !cloneTimeout.isZero()
              && System.nanoTime() - cloneStartedNanos >= cloneTimeout.toNanos();
      if (timedOut) {
        log.error(
            "giving up preparing the {} after {} attempts (OPAL_POLICY_REPO_CLONE_TIMEOUT={}s): {}",
            source.describe(),
            cloneAttempts,
            cloneTimeout.toSeconds(),
            e.getMessage());
        events.failed(e, true);
        return;
      }
      long delay = backoffMillis(cloneAttempts);
      log.warn("preparing the {} failed (attempt {}), retrying in {} ms: {}",
          source.describe(), cloneAttempts, delay, e.getMessage());
      events.failed(e, false);
      executor.schedule(() -> tryClone(gen), delay, TimeUnit.MILLISECONDS);
    }
  }

  private void stepDown() {
    if (polling != null) {
      polling.cancel(false);
      polling = null;
    }
    ready = false;
    generation++;
  }

  private void check() {
    if (!leading || !ready || closed) {
      return;
    }
    Optional<PolicyChange> change;
    try {
      change = source.fetchAndUpdate();
    } catch (PolicyRepoException e) {
      log.warn("policy source update failed: {}", e.getMessage());
      events.failed(e, false);
      return;
    }
    events.fetched(change.isPresent());
    if (change.isEmpty()) {
      return;
    }
    Optional<PolicyUpdate> update = updates.updateFor(change.get());
    if (update.isEmpty()) {
      log.warn(
          "new commits but no tracked files were affected: {} -> {}",
          change.get().oldHash(),
          change.get().newHash());
      return;
    }
    PolicyUpdate u = update.get();
    try {
      publisher.publish(u.topics(), u.dataJson());
      publishedCount.incrementAndGet();
      log.info("published policy update {} -> {} on {}", u.oldPolicyHash(), u.newPolicyHash(), u.topics());
      events.published(u);
    } catch (Exception e) {
      log.error("publishing the policy update {} failed", u.newPolicyHash(), e);
      events.failed(e, false);
    }
  }

  private void submit(Runnable task) {
    if (closed) {
      return;
    }
    try {
      executor.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed meanwhile
    }
  }

  /** Random-exponential backoff between 0.5 s and 30 s, like upstream's clone retry. */
  private static long backoffMillis(int attempt) {
    long cap =
        Math.min(BACKOFF_MAX.toMillis(), BACKOFF_MIN.toMillis() * (1L << Math.min(attempt, 10)));
    return ThreadLocalRandom.current().nextLong(BACKOFF_MIN.toMillis(), Math.max(cap, BACKOFF_MIN.toMillis() + 1));
  }
}
