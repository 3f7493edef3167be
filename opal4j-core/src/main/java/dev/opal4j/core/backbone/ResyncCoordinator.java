package dev.opal4j.core.backbone;

import dev.opal4j.core.hub.Subscriber;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes this worker's clients re-fetch their full state after a backbone gap: every session open at
 * the time is closed with 1012, each at a random moment within the spread window so the clients do
 * not all reconnect at once. The window is the configured minimum, or longer when the clients
 * could not all reconnect within it at half the worker's handshake rate (the other half stays
 * free for everyone else). One resync runs at a time; a request during one triggers exactly one
 * more pass after it. Thread-safe.
 */
public final class ResyncCoordinator {
  private static final Logger log = LoggerFactory.getLogger(ResyncCoordinator.class);

  private final Supplier<Collection<Subscriber>> sessions;
  private final ScheduledExecutorService scheduler;
  private final Duration minimumSpread;
  private final int reconnectsPerSecond;
  private final DoubleSupplier random;
  private final AtomicLong resyncs = new AtomicLong();
  private final AtomicLong clientsClosed = new AtomicLong();
  private boolean running;
  private boolean pending;
  private String pendingReason;

  /**
   * @param minimumSpread the shortest window the closes are spread over
   * @param handshakesPerSecond the worker's handshake limit; the clients are closed no faster than
   *     half of it, so their reconnects never meet the limit
   */
  public ResyncCoordinator(Supplier<Collection<Subscriber>> sessions, ScheduledExecutorService scheduler,
      Duration minimumSpread, int handshakesPerSecond, DoubleSupplier random) {
    this.sessions = sessions;
    this.scheduler = scheduler;
    this.minimumSpread = minimumSpread;
    this.reconnectsPerSecond = Math.max(1, handshakesPerSecond / 2);
    this.random = random;
  }

  /** The window {@code clients} closes are spread over. */
  Duration spreadFor(int clients) {
    Duration paced = Duration.ofNanos((long) (clients * 1e9 / reconnectsPerSecond));
    return paced.compareTo(minimumSpread) > 0 ? paced : minimumSpread;
  }

  /** Starts a resync now, or queues one more pass if one is running. */
  public synchronized void resync(String reason) {
    if (running) {
      pending = true;
      pendingReason = reason;
      return;
    }
    running = true;
    Collection<Subscriber> targets = sessions.get();
    resyncs.incrementAndGet();
    Duration window = spreadFor(targets.size());
    log.info("resync: closing {} client connection(s) with 1012 over {} ms so they re-fetch policy and data ({})",
        targets.size(), window.toMillis(), reason);
    long windowNanos = window.toNanos();
    for (Subscriber s : targets) {
      long at = (long) (random.getAsDouble() * windowNanos);
      scheduler.schedule(() -> {
        clientsClosed.incrementAndGet();
        s.closeForResync();
      }, at, TimeUnit.NANOSECONDS);
    }
    scheduler.schedule(this::finished, windowNanos, TimeUnit.NANOSECONDS);
  }

  private synchronized void finished() {
    running = false;
    if (pending) {
      pending = false;
      resync(pendingReason + " (queued during the previous resync)");
    }
  }

  public long resyncCount() {
    return resyncs.get();
  }

  public long clientsClosedCount() {
    return clientsClosed.get();
  }
}
