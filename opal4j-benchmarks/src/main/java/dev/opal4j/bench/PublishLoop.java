package dev.opal4j.bench;

import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

/**
 * The publisher thread. At a fixed rate it sends update {@code n} at {@code start + n/rate} (and
 * records how far behind schedule it fell: latency is measured from the real send, so a publisher
 * that cannot keep up shows here, not in the percentiles). Flat out ({@code rate == 0}) it sends
 * as soon as fewer than {@code window} updates are still on their way to every subscriber, so the
 * run measures sustainable throughput instead of filling the server's queues until it sheds
 * clients. At most {@code window} publish requests are in flight either way.
 */
final class PublishLoop implements Runnable {
  private final UpdatePublisher publisher;
  private final RunStats stats;
  private final double rate;
  private final int window;
  private final IntSupplier subscribedNow;
  private final Semaphore inflight;
  private volatile boolean stop;
  final LongAdder sent = new LongAdder();
  final LongAdder accepted = new LongAdder();
  final LongAdder refused = new LongAdder();
  final LongAdder failed = new LongAdder();
  final LongAdder throttleTimeouts = new LongAdder();
  /** Sequence numbers the server did not accept (refused or failed): no subscriber is due them. */
  final ConcurrentSkipListSet<Long> notAccepted = new ConcurrentSkipListSet<>();
  volatile String firstFailure;
  private volatile long maxLagNanos;

  PublishLoop(UpdatePublisher publisher, RunStats stats, double rate, int window, IntSupplier subscribedNow) {
    this.publisher = publisher;
    this.stats = stats;
    this.rate = rate;
    this.window = window;
    this.subscribedNow = subscribedNow;
    this.inflight = new Semaphore(window);
  }

  @Override
  public void run() {
    long start = System.nanoTime();
    long periodNanos = rate > 0 ? (long) (1e9 / rate) : 0;
    long n = 0;
    while (!stop) {
      if (rate > 0) {
        long due = start + n * periodNanos;
        long wait;
        while (!stop && (wait = due - System.nanoTime()) > 0) {
          LockSupport.parkNanos(Math.min(wait, 50_000_000));
        }
        long lag = System.nanoTime() - due;
        if (lag > maxLagNanos) {
          maxLagNanos = lag;
        }
      } else {
        throttle();
      }
      if (stop || !acquire()) {
        break;
      }
      n++;
      long seq = stats.nextSeq.getAndIncrement();
      long ts = System.nanoTime();
      stats.sent(seq, ts);
      sent.increment();
      try {
        publisher.publish(seq, ts).whenComplete((ok, err) -> {
          inflight.release();
          if (err == null && ok) {
            accepted.increment();
            return;
          }
          notAccepted.add(seq);
          (err == null ? refused : failed).increment();
          if (firstFailure == null) {
            firstFailure = err == null ? "refused by the server" : SubscriberConnection.describe(err);
          }
        });
      } catch (RuntimeException e) {
        inflight.release();
        notAccepted.add(seq);
        failed.increment();
        firstFailure = SubscriberConnection.describe(e);
      }
    }
  }

  private void throttle() {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
    while (!stop) {
      long subs = Math.max(1, subscribedNow.getAsInt());
      long outstanding = accepted.sum() * subs - stats.deliveries.sum();
      if (outstanding < (long) window * subs) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throttleTimeouts.increment(); // deliveries stalled: publish anyway so the stall is visible as latency
        return;
      }
      LockSupport.parkNanos(20_000);
    }
  }

  private boolean acquire() {
    try {
      while (!stop) {
        if (inflight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          return true;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  void stop() {
    stop = true;
  }

  /** Waits until no publish is in flight, up to {@code millis}; true if none is. */
  boolean awaitIdle(long millis) throws InterruptedException {
    if (inflight.tryAcquire(window, millis, TimeUnit.MILLISECONDS)) {
      inflight.release(window);
      return true;
    }
    return false;
  }

  double maxLagMillis() {
    return maxLagNanos / 1e6;
  }

  /** Sequence numbers not accepted at or after {@code from}. */
  long notAcceptedFrom(long from) {
    return notAccepted.tailSet(from).size();
  }
}
