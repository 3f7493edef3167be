package dev.opal4j.server.policy;

import dev.opal4j.policy.PolicyWatcher;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts this worker's policy-repo fetches for {@code /metrics}: successful clones and fetches, the
 * time of the last one, and failures. Only the worker holding the node's lock fetches; the others
 * keep zeros and no time. Thread-safe: written by the watcher thread, read at scrape time.
 */
public final class PolicyRepoStats implements PolicyWatcher.Events {
  private final Clock clock;
  private final AtomicLong fetches = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong lastFetchMillis = new AtomicLong(-1);

  public PolicyRepoStats(Clock clock) {
    this.clock = clock;
  }

  @Override
  public void cloned(String head) {
    succeeded();
  }

  @Override
  public void fetched(boolean moved) {
    succeeded();
  }

  @Override
  public void failed(Exception error, boolean fatal) {
    failures.incrementAndGet();
  }

  private void succeeded() {
    fetches.incrementAndGet();
    lastFetchMillis.set(clock.millis());
  }

  /** Clones and fetches that reached the remote. */
  public long fetches() {
    return fetches.get();
  }

  /** Clones, fetches and publishes that failed. */
  public long failures() {
    return failures.get();
  }

  /** Unix time in seconds of the last successful clone or fetch, or NaN when this worker made none. */
  public double lastFetchEpochSeconds() {
    long millis = lastFetchMillis.get();
    return millis < 0 ? Double.NaN : millis / 1000.0;
  }
}
