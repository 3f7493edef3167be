package dev.opal4j.server.rest;

import dev.opal4j.server.config.RateLimitNotation;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Upstream's {@code /loadlimit} gate: one global counter per limit (not per client), in fixed
 * windows that start at the first hit after the previous window ended, as slowapi's default
 * strategy does. A hit that any limit refuses counts against none.
 *
 * <p>Thread-safe (one lock; the route is called rarely: once per client connect attempt).
 */
public final class LoadLimiter {
  private final List<RateLimitNotation.Item> items;
  private final LongSupplier nanoTime;
  private final long[] windowStart;
  private final long[] hits;

  public LoadLimiter(RateLimitNotation notation, LongSupplier nanoTime) {
    this.items = notation.items();
    this.nanoTime = nanoTime;
    this.windowStart = new long[items.size()];
    this.hits = new long[items.size()];
  }

  /** The limit that refuses this hit, or null when it is admitted (and counted). */
  public synchronized RateLimitNotation.Item tryAcquire() {
    long now = nanoTime.getAsLong();
    for (int i = 0; i < items.size(); i++) {
      if (hits[i] > 0 && now - windowStart[i] >= items.get(i).period().toNanos()) {
        hits[i] = 0;
      }
      if (hits[i] >= items.get(i).count()) {
        return items.get(i);
      }
    }
    for (int i = 0; i < items.size(); i++) {
      if (hits[i]++ == 0) {
        windowStart[i] = now;
      }
    }
    return null;
  }
}
