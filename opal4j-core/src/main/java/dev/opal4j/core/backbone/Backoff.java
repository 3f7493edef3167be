package dev.opal4j.core.backbone;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Equal-jitter exponential backoff, as upstream's ReconnectingBroadcaster: {@code base =
 * min(min·2^(attempt−1), max)} (capped before jitter), then {@code delay = base/2 + U(0, base/2)}.
 * Immutable; the randomness is injected so tests are deterministic.
 */
public record Backoff(Duration min, Duration max, DoubleSupplier random) {

  public Backoff {
    if (min.isNegative() || max.compareTo(min) < 0) {
      throw new IllegalArgumentException("backoff needs 0 <= min <= max, got min=" + min + " max=" + max);
    }
  }

  /** Whether the delay before attempt {@code attempt} (1-based) has reached {@code max} (before jitter). */
  public boolean cappedAt(int attempt) {
    return min.toNanos() * Math.pow(2, Math.max(0, attempt - 1)) >= max.toNanos();
  }

  /** The delay before reconnect attempt {@code attempt} (1-based). */
  public Duration delay(int attempt) {
    double minNanos = min.toNanos();
    double base = Math.min(minNanos * Math.pow(2, Math.max(0, attempt - 1)), max.toNanos());
    double half = base / 2;
    return Duration.ofNanos((long) (half + random.getAsDouble() * half));
  }
}
